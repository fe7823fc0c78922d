# TensorBoard, one switch: add "../_base_/tensorboard.py" to a config's _base_ list (or paste the line).
# Losses, learning rates, metrics, validator scores and the images hooks send to the visualizer
# (translation grids, coloured segmentation predictions) go to <work_dir>/<timestamp>/vis_data/ as
# TensorBoard events, beside the LocalVisBackend's scalars.json that tools/analysis/multi_seed.py reads.
visualizer = dict(type="Visualizer", vis_backends=[dict(type="LocalVisBackend"), dict(type="TensorboardVisBackend")])
