"""Who may open the dashboard: a one-time link from /dashboard, then a session cookie.

The link carries `<admin id>.<expiry>.<language>.<nonce>.<signature>`: HMAC-SHA256 with a
key derived from the bot token (or DASHBOARD_SECRET), never the token itself. Opening it
records the nonce in `dashboard_links` (an insert whose conflict means "already used":
single use across replicas, on either database) and sets a cookie signed the same way,
valid for `session_hours`. Both are checked against the clock, and the holder must still
be an admin when they ask: a custodian removed meanwhile is shut out at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from lucien.core.db import upsert
from lucien.plugins.dashboard.models import DashboardLink
from lucien.plugins.dashboard.services.common import NAME, DashboardSettings

if TYPE_CHECKING:
    from lucien.core.context import AppContext

ADMIN_ROLE = "admin"
LANGUAGES = ("es", "en")


@dataclass(frozen=True)
class Visitor:
    """An admin let in: who, and the page's language."""

    admin_id: int
    language: str


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class DashboardAuth:
    """Signs and checks links and cookies. One per process (`ctx.service`)."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        settings = ctx.plugin_settings(NAME) or DashboardSettings()
        self.settings: DashboardSettings = settings
        secret = settings.secret or ctx.settings.bot_token or ""
        # A key of its own: what leaks through a cookie's signature says nothing of the token.
        self._key = hmac.new(secret.encode(), b"lucien.dashboard.v1", hashlib.sha256).digest()

    def _sign(self, kind: str, payload: str) -> str:
        return _b64(hmac.new(self._key, f"{kind}|{payload}".encode(), hashlib.sha256).digest())

    def _verify(self, kind: str, value: str) -> list[str] | None:
        payload, _, signature = value.rpartition(".")
        expected = self._sign(kind, payload)
        if not payload or not hmac.compare_digest(signature.encode(), expected.encode()):
            return None
        return payload.split(".")

    def _now(self) -> int:
        return int(self.ctx.clock.now().timestamp())

    def link_token(self, admin_id: int, language: str | None) -> str:
        """A fresh login token for `admin_id`, valid `link_minutes`."""
        expires = self._now() + int(self.settings.link_minutes * 60)
        payload = f"{admin_id}.{expires}.{_language(language)}.{secrets.token_urlsafe(18)}"
        return f"{payload}.{self._sign('link', payload)}"

    async def open_link(self, token: str) -> Visitor | None:
        """The admin the link is for, once: None when forged, expired, used or not an admin."""
        parts = self._verify("link", token)
        if parts is None or len(parts) != 4:
            return None
        admin_id, expires, language, nonce = parts
        if not admin_id.isdigit() or not expires.isdigit() or int(expires) < self._now():
            return None
        if not await self._is_admin(int(admin_id)):
            return None
        now = self.ctx.clock.now()
        row = {
            "nonce": nonce[:64],
            "admin_id": int(admin_id),
            "used_at": now,
            "expires_at": now + timedelta(minutes=self.settings.link_minutes),
        }
        async with self.ctx.db.session() as s:
            inserted = await s.execute(upsert(s, DashboardLink, row, conflict=["nonce"]))
        if inserted.rowcount != 1:  # type: ignore[attr-defined]
            return None  # used before, here or on another replica
        return Visitor(int(admin_id), _language(language))

    def session_cookie(self, visitor: Visitor) -> tuple[str, int]:
        """The cookie's value and its lifetime in seconds."""
        lifetime = int(self.settings.session_hours * 3600)
        payload = f"{visitor.admin_id}.{self._now() + lifetime}.{visitor.language}"
        return f"{payload}.{self._sign('session', payload)}", lifetime

    async def check_cookie(self, value: str | None) -> Visitor | None:
        """The admin a cookie stands for, while it is valid and they are still an admin."""
        parts = self._verify("session", value or "")
        if parts is None or len(parts) != 3:
            return None
        admin_id, expires, language = parts
        if not admin_id.isdigit() or not expires.isdigit() or int(expires) < self._now():
            return None
        if not await self._is_admin(int(admin_id)):
            return None
        return Visitor(int(admin_id), _language(language))

    async def _is_admin(self, user_id: int) -> bool:
        from lucien.core.roles import resolve_role

        return await resolve_role(self.ctx, user_id) == ADMIN_ROLE


def _language(code: str | None) -> str:
    code = (code or "")[:2].lower()
    return code if code in LANGUAGES else "en"
