"""sentimeter package."""
