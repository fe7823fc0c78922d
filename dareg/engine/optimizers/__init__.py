"""Optimizer wrappers and their constructors."""

from dareg.engine.optimizers.multi_optim_wrapper_constructor import MultiOptimWrapperConstructor

__all__ = ["MultiOptimWrapperConstructor"]
