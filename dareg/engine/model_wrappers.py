"""Model wrappers for distributed training (mmengine's are found through the root registry)."""
