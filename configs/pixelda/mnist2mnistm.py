# PixelDA (Bousmalis et al., CVPR 2017), MNIST -> MNIST-M, 32x32 colour in [-1, 1]. Published: 98.2
# (source-only 63.6, target-only 96.4). Reference hparams of the published run: resnet generator (6
# blocks, 64 filters, 10-d noise channel), domain/style/task-in-G weights 0.136/0.0114/0.0101, batch
# 32, Adam beta1 0.5, lr x0.95 every 20k steps, 16M examples (500k steps).
#   python tools/train.py configs/pixelda/mnist2mnistm.py
# The popular port's full-image noise map:  --cfg-options model.generator.noise_mode=image
# The paper's content-similarity term:      --cfg-options model.lambda_similarity=1.0
_base_ = [
    "../_base_/datasets/mnist2mnistm.py",
    "../_base_/models/pixelda.py",
    "../_base_/schedules/pixelda_digits.py",
    "../_base_/default_runtime.py",
]
default_hooks = dict(checkpoint=dict(interval=20000))
