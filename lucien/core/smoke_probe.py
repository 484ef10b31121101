"""The webhook probe of `lucien smoke`: proof that the deployed webhook takes calls signed
with the secret, at no cost to anyone.

The smoke test POSTs `{"lucien_smoke_probe":"<nonce>"}` to the webhook with the secret
header. Telegram never sends that field, and an update always starts with `update_id`, so
the webhook tells a probe from an update by the body's first bytes (a `startswith`, no
parsing: normal updates pay nothing measurable). After the secret check the webhook
answers a probe itself with HMAC-SHA256(secret, nonce), proof that this server holds the
secret and took this call, and does nothing else: no update id, no de-duplication, no
handler, nothing sent to anyone. A wrong secret is refused before the probe is looked at,
as for any call.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets

from aiohttp import web

log = logging.getLogger("lucien.webhook")

PROBE_FIELD = "lucien_smoke_probe"
#: How a probe's body starts (`probe_body` writes it so); an update starts with
#: `{"update_id"`, so no update can be taken for a probe.
PROBE_PREFIX = b'{"' + PROBE_FIELD.encode() + b'":'
# Hex, long enough not to be guessed or replayed, short enough to bound the work.
_NONCE = re.compile(r"[0-9a-f]{32,128}")
# Apart from any other use of the secret (the proof is never a valid secret header).
_CONTEXT = b"lucien smoke probe\x00"


def new_nonce() -> str:
    """A fresh random nonce for one probe."""
    return secrets.token_hex(16)


def probe_body(nonce: str) -> bytes:
    """The body of a probe carrying `nonce` (starts with PROBE_PREFIX)."""
    return json.dumps({PROBE_FIELD: nonce}, separators=(",", ":")).encode()


def proof(secret: bytes, nonce: str) -> str:
    """What the webhook answers for `nonce`: only a holder of `secret` can compute it."""
    return hmac.new(secret, _CONTEXT + nonce.encode(), hashlib.sha256).hexdigest()


def answer_probe(body: bytes, secret: bytes) -> web.Response:
    """The webhook's answer to a probe (the secret already checked): 200 with the proof,
    or 400 when the probe is malformed. Nothing else happens."""
    try:
        data = json.loads(body)
        nonce = data[PROBE_FIELD] if isinstance(data, dict) else None
    except (ValueError, RecursionError):
        nonce = None
    if not isinstance(nonce, str) or not _NONCE.fullmatch(nonce):
        return web.Response(status=400, text="Bad Request: malformed smoke probe")
    log.info("smoke probe answered")
    return web.json_response({PROBE_FIELD: proof(secret, nonce)})


def check_answer(secret: str, nonce: str, status: int, body: bytes) -> str | None:
    """None when the webhook's answer to the probe carrying `nonce` is right, else what
    is wrong with it (for `lucien smoke`)."""
    if status != 200:
        text = body[:200].decode(errors="replace").strip()
        return f"HTTP {status}" + (f": {text}" if text else "")
    try:
        given = json.loads(body).get(PROBE_FIELD)
    except (ValueError, AttributeError):
        given = None
    if not isinstance(given, str):
        # An older Lucien (or another server) took the body for an update.
        return "answered 200 without the probe's proof (a bot without the smoke probe?)"
    if not hmac.compare_digest(given, proof(secret.encode(), nonce)):
        return "wrong proof: the server does not hold this WEBHOOK_SECRET"
    return None
