"""The installed distribution's version: declared once, in .projenrc.py."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("serverless-patterns")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
