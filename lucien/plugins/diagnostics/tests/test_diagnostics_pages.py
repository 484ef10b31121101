"""/diag never fails for length: a plugin whose health check publishes a long error and
four hundred queues makes the report several pages, each under Telegram's limit, read
with arrows in place; the error is quoted short. The arrows are an administrator's only.
In Spanish and English, SQLite and PostgreSQL."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from typing import Any

import pytest

from lucien.core.plugin import HealthResult, PluginInfo, hookimpl
from lucien.plugins.diagnostics.keyboards import DiagPageCallback

LONG_ERROR = "ConnectionError: " + "the far end hung up " * 300  # 6,000 characters


class Sprawl:
    """A plugin with a failing check, a long error and a big table."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="sprawl", version="2.0.0")

    @hookimpl
    def lucien_health_checks(self, ctx: Any) -> list[Any]:
        async def sprawl() -> HealthResult:
            queues = {f"sprawl.queue_{i:03d}": i for i in range(400)}
            return HealthResult("sprawl", "fail", LONG_ERROR, {"queues": queues})

        return [sprawl]


sprawl = Sprawl()
REAL = ["admin", "voice", "diagnostics"]
ENTRY_POINTS = [
    *(EntryPoint(n, f"lucien.plugins.{n}:plugin", "lucien.plugins") for n in REAL),
    EntryPoint("sprawl", f"{__name__}:sprawl", "lucien.plugins"),
]
pytestmark = pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=[*REAL, "sprawl"])

REFUSALS = {
    "es": "Disculpe, el funcionamiento de la casa solo se muestra a sus custodios.",
    "en": "Forgive me, the workings of the house are shown only to its custodians.",
}
WORDS = {
    "es": ("Página {} de {}", "Siguiente »", "« Anterior", "fallo"),
    "en": ("Page {} of {}", "Next »", "« Previous", "failing"),
}


@pytest.mark.parametrize("language", ["es", "en"])
async def test_a_long_report_is_read_a_page_at_a_time(harness: Any, language: str) -> None:
    page_line, next_label, previous_label, failing = WORDS[language]
    diana = harness.admin("Diana", language_code=language)
    fred = harness.user("Fred", language_code=language)
    await harness.start_app()
    await diana.send("/diag")
    first = diana.last
    lines = first.text.splitlines()
    pages = int(lines[-1].rsplit(" ", 1)[-1])
    assert pages >= 3 and lines[-1] == page_line.format(1, pages)
    assert first.buttons[0] == [next_label]
    assert f"• sprawl: {failing} — ConnectionError: the far end hung up" in first.text
    assert "…" in first.text and "hung up " * 20 not in first.text  # the error, quoted short
    assert "◦ sprawl.queue_000: 0" in first.text

    seen = [first.text]
    for page in range(2, pages + 1):
        await diana.click(next_label, message=first)
        assert diana.last is first  # the same message, edited in place
        assert first.text.splitlines()[-1] == page_line.format(page, pages)
        seen.append(first.text)
    assert first.buttons[0] == [previous_label]
    whole = "\n".join(seen)
    for i in (0, 199, 399):
        assert f"◦ sprawl.queue_{i:03d}: {i}" in whole
    assert all(len(text) < 4096 for text in seen)
    await diana.click(previous_label, message=first)
    assert first.text.splitlines()[-1] == page_line.format(pages - 1, pages)
    assert [c for c in harness.emulator.calls if c.status == 400] == []

    # Someone else pressing an arrow (an old message, forged data) is refused politely.
    await fred.send("/start")
    query = await fred.press(fred.last, DiagPageCallback(page=1).pack())
    assert query.answered and query.show_alert
    assert query.text == REFUSALS[language]
