"""Inline keyboards and callback data of the diagnostics plugin."""
