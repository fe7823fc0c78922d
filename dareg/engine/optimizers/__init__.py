"""Optimizer wrappers and their constructors."""

from dareg.engine.optimizers.amp_optim_wrapper import AmpOptimWrapper
from dareg.engine.optimizers.multi_optim_wrapper_constructor import MultiOptimWrapperConstructor

__all__ = ["AmpOptimWrapper", "MultiOptimWrapperConstructor"]
