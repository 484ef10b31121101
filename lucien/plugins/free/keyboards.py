"""Inline keyboards and callback data of the free plugin."""
