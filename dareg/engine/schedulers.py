"""Parameter schedulers that mmengine does not ship."""
