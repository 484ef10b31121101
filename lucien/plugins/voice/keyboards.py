"""Inline keyboards and callback data of the voice plugin."""
