"""The version of rsgeo (read by the build and by run.json)."""

__version__ = "0.1.0"
