"""Aiogram routers of the admin plugin: thin, no SQL; services do the work."""

from aiogram import Router


def create_router() -> Router:
    """A fresh router per application (a router can only be attached to one parent)."""
    return Router(name="admin")
