"""Hooks dareg adds to mmengine's."""

from dareg.engine.hooks.random_state_hook import RandomStateHook

__all__ = ["RandomStateHook"]
