"""Building blocks and weight initialisation shared by model components."""
