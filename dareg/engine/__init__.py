"""Training machinery on top of mmengine: optimizers, loops, hooks and safe checkpoints."""

from dareg.engine import checkpoint_backend, hooks, loops, optimizers  # noqa: F401  (registers components)
