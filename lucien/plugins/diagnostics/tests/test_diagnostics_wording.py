"""/diag as an admin reads it: jobs and plugins by name in words, figures spaced and
formatted as the language writes them; report files named by the bot's own clock.

Conversations through the emulator (SQLite), asserting on what the admin sees.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pytest

from lucien.core.clock import FakeClock
from lucien.core.plugin import HealthResult, PluginInfo, hookimpl
from lucien.plugins.diagnostics.services import diagnostics_service

PLUGINS = ["admin", "vip", "free", "diagnostics"]
FAILING = EntryPoint("failing", "lucien.plugins.diagnostics.tests.probe:failing", "lucien.plugins")


@pytest.mark.lucien(plugins=[*PLUGINS, "failing"])
async def test_a_test_report_is_named_by_the_bots_clock(harness: Any) -> None:
    """The sandbox and the tests move time: the file says the bot's moment, not the
    machine's (this clock is moved to 2031)."""
    assert isinstance(harness.clock, FakeClock)
    harness.clock.advance(
        (datetime(2031, 7, 4, 9, 5, 6, tzinfo=UTC) - harness.clock.now()).total_seconds()
    )
    harness.entry_points = [*entry_points(group="lucien.plugins"), FAILING]
    ada = harness.admin("Ada")
    await harness.start_app()
    await ada.send("/run_tests failing")
    await diagnostics_service(harness.ctx).wait_idle()
    await harness.emulator.wait_idle()
    assert ada.last.document is not None
    assert ada.last.document.filename == "lucien-tests-20310704-090506.txt"


class Gadget:
    """A plugin whose health checks nobody has words for (a new check, say a backup's),
    one of them with a known detail written with other capitals and spaces."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="gadget", version="1.0.0")

    @hookimpl
    def lucien_health_checks(self, ctx: Any) -> list[Any]:
        async def odd() -> HealthResult:
            return HealthResult("gadget_store", "warn", "3 Rows Waiting", {"rows": 3})

        async def known() -> HealthResult:
            return HealthResult("gadget", "pass", "At  Head")

        return [odd, known]


gadget = Gadget()
GADGET = EntryPoint("gadget", f"{__name__}:gadget", "lucien.plugins")
#: A job's or a plugin's internal name ("free.approvals", "vip.expiry", "core.outbox").
JOB_NAME = re.compile(r"\b(free|vip|core|publish|content)\.[a-z_]+")
#: A status glued to the words after it ("en orden latencia (ms): 2").
GLUED = re.compile(r"\b(en orden|aviso|fallo)(?! —) [^\s(]")


@pytest.mark.lucien(plugins=[*PLUGINS, "voice", "gadget"])
async def test_the_spanish_report_says_names_in_words_and_figures_as_spanish_writes_them(
    harness: Any,
) -> None:
    harness.entry_points = [*entry_points(group="lucien.plugins"), GADGET]
    ada = harness.admin("Ada", language_code="es")
    await harness.start_app()
    await ada.send("/start")  # the caches see some use
    await ada.send("/diag")
    report = ada.last.text
    lines = report.splitlines()

    # Jobs and plugins by name in words, never their internal names.
    assert not JOB_NAME.search(report), JOB_NAME.search(report)
    assert "• aprobaciones del canal gratuito: cada 1 s, 0 en espera" in lines
    assert "    ◦ vencimientos VIP: 0" in lines  # a check's queue, by its job
    assert "• canal VIP (vip 0.1.0): en servicio" in lines  # the id /run_tests takes, too
    # The status, then a dash, then what it says; nothing glued, no trailing space.
    assert not any(GLUED.search(line) for line in lines), report
    assert any(re.match(r"• base de datos: en orden — latencia \(ms\): [\d,]+$", x) for x in lines)
    assert "• despacho de mensajes: en orden" in lines
    assert all(line == line.rstrip() for line in lines)
    # Where the report comes from, in words: the machine and the process.
    assert not re.search(r"réplica \S+:\d+", report)
    assert re.search(r"en la máquina \S+ \(proceso \d+\)\.", report)
    # Percentages as Spanish writes them (a space before %), and "no lookups" in words.
    assert re.search(r"• ajustes de los módulos: \d+\u00a0% de aciertos \(\d+/\d+\)", report), (
        report
    )
    assert not re.search(r"\d% ", report) and "- aciertos" not in report
    # A check nobody has words for reads plainly; a known detail survives other capitals.
    assert "• gadget_store: aviso — 3 Rows Waiting · rows: 3" in lines
    assert "• gadget: en orden — al día" in lines


@pytest.mark.lucien(plugins=[*PLUGINS, "voice"])
async def test_the_english_report_says_the_same_in_english(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    await ada.send("/diag")
    report = ada.last.text
    assert not JOB_NAME.search(report)
    assert "• VIP reminders: every 30 s, 0 waiting" in report.splitlines()
    assert re.search(r"on machine \S+ \(process \d+\)\.", report)
    assert re.search(r"• plugin settings: \d+% hits", report)
