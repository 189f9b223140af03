"""The version of exposure: the one place it is written (the package build reads it too)."""

__version__ = "0.1.0"
