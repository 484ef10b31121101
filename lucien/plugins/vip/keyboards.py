"""Inline keyboards and callback data of the vip plugin."""
