"""Casuskamer core: everything except the widgets. Nothing below this package imports Qt."""

__version__ = "0.1.0"
