"""Utilities: config loading and checking."""
