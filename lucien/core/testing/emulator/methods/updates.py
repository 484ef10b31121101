"""Receiving updates: getUpdates (long polling) and the webhook settings."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from ..errors import bad_request
from ..state import WebhookConfig
from . import MethodContext, method


def _allowed_updates(ctx: MethodContext) -> list[str] | None:
    value = ctx.params.json("allowed_updates")
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request("can't parse allowed updates")
    return value


@method("getUpdates")
async def get_updates(ctx: MethodContext) -> list[dict[str, Any]]:
    limit = ctx.params.int("limit", default=100) or 100
    timeout = ctx.params.int("timeout", default=0) or 0
    return await ctx.bot.queue.get_updates(
        ctx.params.int("offset"), max(1, min(100, limit)), float(timeout), _allowed_updates(ctx)
    )


@method("setWebhook")
async def set_webhook(ctx: MethodContext) -> bool:
    url = ctx.params.str("url") or ""
    drop = ctx.params.bool("drop_pending_updates")
    allowed = _allowed_updates(ctx)
    if allowed is not None:
        ctx.bot.allowed_updates = allowed or None
    if not url:
        ctx.bot.queue.delete_webhook(drop)
        return True
    parsed = urlparse(url)
    # Telegram demands https on a few ports; the emulator also takes plain http for tests.
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    max_connections = ctx.params.int("max_connections")
    if max_connections is not None and not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be in range 1-100")
    secret = ctx.params.str("secret_token")
    if secret is not None and not (
        1 <= len(secret) <= 256 and all(c.isalnum() or c in "_-" for c in secret)
    ):
        raise bad_request("bad webhook: secret token contains unallowed characters")
    ctx.bot.queue.set_webhook(
        WebhookConfig(url, secret, max_connections, ctx.params.str("ip_address")), drop
    )
    return True


@method("deleteWebhook")
async def delete_webhook(ctx: MethodContext) -> bool:
    ctx.bot.queue.delete_webhook(ctx.params.bool("drop_pending_updates"))
    return True


@method("getWebhookInfo")
async def get_webhook_info(ctx: MethodContext) -> dict[str, Any]:
    queue = ctx.bot.queue
    info: dict[str, Any] = {
        "url": queue.webhook.url if queue.webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(queue.pending) + len(queue.in_flight),
    }
    if queue.webhook is not None:
        info["max_connections"] = queue.webhook.max_connections or 40
        if queue.webhook.ip_address:
            info["ip_address"] = queue.webhook.ip_address
        if ctx.bot.allowed_updates:
            info["allowed_updates"] = ctx.bot.allowed_updates
        if queue.last_error is not None:
            info["last_error_date"], info["last_error_message"] = queue.last_error
    return info
