"""sharing layer."""
