"""Inline keyboards and callback data of the admin plugin."""
