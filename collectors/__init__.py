"""Collectors: the data contract, the raw-run writer and one parser module per source."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("essaim")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"
