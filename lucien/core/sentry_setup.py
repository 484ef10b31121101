"""Sentry, when SENTRY_DSN is set: the events the admins are alerted of go there too.

`init` runs first thing at startup (plugin import failures are events too): the aiohttp
integration (the webhook server's failures, the Bot API calls as breadcrumbs), the asyncio
one (tasks that die unobserved), and the logging one sentry-sdk adds by itself (errors
logged anywhere). Handler failures are captured by error_alerts.py with their fingerprint
instead of through the error handler's log line ("lucien.app"), which would count them
twice. The release is the installed package's version; traces are off unless
SENTRY_TRACES_SAMPLE_RATE says otherwise.

The bot token is in every Bot API URL aiogram builds (`/bot<token>/sendMessage`), so it
would reach Sentry in breadcrumbs, exception messages and local variables: every string
of every event, breadcrumb and transaction is scrubbed of it (and of the webhook secret
and the health token) before it leaves, including the pieces of a token that sentry-sdk's
truncation of long values may leave.

sentry-sdk is imported only when SENTRY_DSN is set (half a second and 8 MB otherwise spent
by every process for nothing).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lucien.core.settings import Settings

log = logging.getLogger("lucien.sentry")

SCRUBBED = "[Filtered]"
# A Telegram bot token, or what is left of one after truncation: the bot's id, a colon,
# and at least 8 characters of its secret.
_TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{8,}")
# Values shorter than this are not treated as secrets (a test's "x" would blank the event).
_MIN_SECRET = 6


def release() -> str:
    """The installed package's version (what `pip show lucien` says)."""
    try:
        return version("lucien")
    except PackageNotFoundError:
        return "0.0.0"


def scrubber(secrets: list[str]) -> Callable[[Any], Any]:
    """A function that returns a copy of any JSON-like value with `secrets` (and anything
    shaped like a bot token) replaced, in keys and values alike."""
    # Longest first: the whole token before its secret part alone.
    known = sorted({s for s in secrets if s and len(s) >= _MIN_SECRET}, key=len, reverse=True)

    def text(value: str) -> str:
        for secret in known:
            value = value.replace(secret, SCRUBBED)
        return _TOKEN_SHAPE.sub(SCRUBBED, value)

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            return text(value)
        if isinstance(value, dict):
            return {scrub(k): scrub(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [scrub(v) for v in value]
        return value

    return scrub


def secrets_of(settings: Settings) -> list[str]:
    """What must never leave the process: the token, its secret part, the webhook secret,
    the health token."""
    token = settings.bot_token or ""
    return [
        token,
        token.partition(":")[2],
        settings.webhook_secret or "",
        settings.health_token or "",
    ]


def init(settings: Settings) -> bool:
    """Start sending to Sentry when SENTRY_DSN is set; whether it does."""
    if not settings.sentry_dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.aiohttp import AioHttpIntegration
    from sentry_sdk.integrations.asyncio import AsyncioIntegration
    from sentry_sdk.integrations.logging import ignore_logger

    scrub = scrubber(secrets_of(settings))
    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=settings.sentry_environment or settings.env,
        release=release(),
        traces_sample_rate=settings.sentry_traces_sample_rate,
        integrations=[AioHttpIntegration(), AsyncioIntegration()],
        before_send=lambda event, _hint: scrub(event),
        before_breadcrumb=lambda crumb, _hint: scrub(crumb),
        before_send_transaction=lambda event, _hint: scrub(event),
    )
    ignore_logger("lucien.app")  # error_alerts captures handler failures, fingerprinted
    log.info("errors go to Sentry too (release %s)", release())
    return True


def capture(
    exc: BaseException | None, *, key: str, fingerprint: str, context: dict[str, Any]
) -> None:
    """Send one occurrence of an alerted cause to Sentry (nothing when it is off)."""
    sentry_sdk = sys.modules.get("sentry_sdk")
    if sentry_sdk is None or not sentry_sdk.is_initialized():
        return
    with sentry_sdk.new_scope() as scope:
        scope.fingerprint = [fingerprint]
        scope.set_tag("alert", key)
        for name in ("plugin", "job", "handler", "dependency"):
            if name in context:
                scope.set_tag(name, str(context[name]))
        scope.set_context("alert", {k: str(v) for k, v in context.items()})
        if exc is not None:
            sentry_sdk.capture_exception(exc)
        else:
            sentry_sdk.capture_message(f"{key}: {context.get('error', '')}", level="error")
