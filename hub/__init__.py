"""Composition root: configuration, command line, and the aiohttp application."""

__version__ = "0.1.0"
