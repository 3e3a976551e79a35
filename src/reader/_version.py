"""The package version, in a module of its own: read by hatchling at build time and imported without the package."""

__version__ = "0.1.0"
