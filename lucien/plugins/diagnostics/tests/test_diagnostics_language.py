"""/diag in the admin's language: statuses and plugin states said through the catalogue,
the core's components, the checks' details and figures, a plugin's reason to be left out,
the channels and the rights the bot lacks there, all in words; the queue depths a check
publishes as lines, the webhook's last error dated in the creator's timezone (the voice's
default, Mexico City) and the uptime as a duration."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "free", "vip", "diagnostics"])

ERROR = "Wrong response from the webhook: 500 Internal Server Error"
# 2026-01-02 03:24 UTC: still the evening of January 1st in Mexico City.
ERROR_AT = datetime(2026, 1, 2, 3, 24, tzinfo=UTC)


def _fail_a_delivery(harness: Any) -> None:
    """What Telegram reports after a delivery the webhook refused (getWebhookInfo)."""
    harness.account.queue.last_error = (int(ERROR_AT.timestamp()), ERROR)


# Words of the checks and the core, in English, that a Spanish report must not show.
ENGLISH = (
    "enabled", "disabled", "failed", "pass", "warn", "fail", "ok", "degraded", "ready",
    "at head", "not configured", "not in LUCIEN_PLUGINS", "latency_ms", "missing",
    "memory", "database", "dispatcher", "can_invite_users", "can_restrict_members",
    "channel_id", "active_subscriptions", "redeemable_tokens",
)  # fmt: skip


async def test_a_spanish_admin_reads_the_report_in_spanish(
    harness: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    salon = harness.emulator.create_channel("Salón", bot_rights={"can_invite_users": True})
    monkeypatch.setenv("VIP_CHANNEL_ID", str(salon.id))
    diana = harness.admin("Diana", language_code="es")
    await harness.start_app()
    version = harness.app.version
    _fail_a_delivery(harness)
    await diana.send("/diag")
    report = diana.last.text

    assert "• base de datos: en orden — latencia (ms): " in report
    assert "• migraciones: en orden — al día" in report
    assert "• Redis: en orden — sin REDIS_URL: el estado vive en memoria" in report
    assert "modo: en memoria" in report
    assert "• canal gratuito: aviso — aún no hay canal para el vestíbulo" in report
    assert f"• canal VIP: en orden — canal {salon.id} · suscripciones activas: 0" in report
    assert f"• Canal VIP ({salon.id}): faltan restringir miembros" in report
    for word in ENGLISH:
        assert not re.search(rf"(?<![\w.]){word}(?![\w.])", report), word
    for state in ("pass", "warn", "fail"):
        assert not re.search(rf"• \S+: {state}\b", report), state
    # each queue a line of its own, under the check that publishes it
    assert (
        "    ◦ aprobaciones del canal gratuito: 0\n    ◦ bienvenidas del canal gratuito: 0"
        in report
    )
    assert "    ◦ recordatorios VIP: 0\n    ◦ vencimientos VIP: 0" in report
    assert "queues" not in report and "{" not in report
    # plugin states
    assert f"• administración (admin {version}): en servicio" in report
    assert (
        f"• entorno de pruebas (sandbox {version}): desactivado (no figura en LUCIEN_PLUGINS)"
        in report
    )
    assert not re.search(r"\d: (enabled|disabled|failed)\b", report)
    # the last error, dated in the creator's timezone and in Spanish
    assert f"último error: {ERROR} (el 1 de enero de 2026, 21:24)" in report
    assert "UTC" not in report and "2026-01-02" not in report
    assert "en servicio desde hace 0 minutos" in report


async def test_an_english_admin_reads_the_same_report_in_english(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    version = harness.app.version
    _fail_a_delivery(harness)
    await ada.send("/diag")
    report = ada.last.text

    assert "• database: in order" in report and "• free channel: warning" in report
    assert "    ◦ free channel approvals: 0" in report and "queues" not in report
    assert f"• administration (admin {version}): enabled" in report
    assert f"• sandbox (sandbox {version}): disabled" in report
    assert f"last error: {ERROR} (on January 1, 2026, 9:24\u202fPM)" in report
