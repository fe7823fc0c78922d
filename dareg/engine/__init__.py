"""Training machinery on top of mmengine: optimizers, loops, hooks and safe checkpoints."""

from dareg.engine import checkpoint, hooks, loops, optimizers  # noqa: F401  (registers components)
