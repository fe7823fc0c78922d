"""Training machinery on top of mmengine: optimizers, loops, hooks and safe checkpoints."""

from dareg.engine import checkpoint, checkpoint_files, hooks, loops, optimizers  # noqa: F401  (registers components)
