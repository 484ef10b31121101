"""Database and business logic of the diagnostics plugin, behind one facade.

Handlers and hooks use `DiagnosticsService` (one per application:
`diagnostics_service(ctx)`); it hands each call to the part that holds it:

- `report.py`: the `/diag` screen: the core's health, the webhook, migrations, cache
  counters, jobs and their queue depths, the bot's rights in every configured channel;
- `runs.py`: the background runs: one at a time across replicas (a Redis lock, or an
  in-process lock without Redis), test runs through the core runner
  (`lucien.core.testing.suites`) with a progress message and the report as a document,
  and live pyinstrument profiles sent back as HTML;
- `common.py`: the plugin's settings and the `Outcome` a handler answers with.

The plugin owns no tables: it reads, it never writes production data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lucien.plugins.diagnostics.services.common import DiagnosticsSettings, Outcome
from lucien.plugins.diagnostics.services.report import Report, replica_name
from lucien.plugins.diagnostics.services.runs import BackgroundRuns

if TYPE_CHECKING:
    from lucien.core.context import AppContext


class DiagnosticsService:
    """Kept per application (`diagnostics_service(ctx)`): the report and the background runs.

    A thin facade: each name below is the method of the part that holds it, so callers
    keep one object and the parts stay small. The parts are reachable too (`svc.runs`).
    """

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.reporting = Report(ctx)
        self.runs = BackgroundRuns(ctx)
        self.report_page = self.reporting.report_page
        self.start_test_run = self.runs.start_test_run
        self.start_profile = self.runs.start_profile
        self.wait_idle = self.runs.wait_idle


def diagnostics_service(ctx: AppContext) -> DiagnosticsService:
    """The application's DiagnosticsService (its lock and background tasks live there)."""
    return ctx.service("diagnostics", DiagnosticsService)


__all__ = [
    "BackgroundRuns",
    "DiagnosticsService",
    "DiagnosticsSettings",
    "Outcome",
    "Report",
    "diagnostics_service",
    "replica_name",
]
