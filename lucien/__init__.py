"""Lucien: a plugin-based Telegram bot framework on aiogram 3 and pluggy."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lucien")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
