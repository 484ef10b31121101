"""Message keys of the diagnostics plugin: health report, test runs and profiling."""

from __future__ import annotations

from lucien.core.plugin import MessageKey

M = MessageKey


def _button(key: str, default: str, context: tuple[str, ...] = ()) -> MessageKey:
    return MessageKey(key, default, context, button=True)


MESSAGES: list[MessageKey] = [
    M("diagnostics.menu.header", "Diagnostics. Choose an option."),
    M(
        "diagnostics.report.header",
        "Health report: {passed} passing, {warned} warnings, {failed} failing.",
        ("passed", "warned", "failed"),
    ),
    M("diagnostics.tests.running", "Running the tests of {plugin}...", ("plugin",)),
    M(
        "diagnostics.tests.passed",
        "Tests of {plugin}: all {passed} passed in {duration} s.",
        ("plugin", "passed", "duration"),
    ),
    M(
        "diagnostics.tests.failed",
        "Tests of {plugin}: {failed} failed, {passed} passed, in {duration} s.",
        ("plugin", "passed", "failed", "duration"),
    ),
    M("diagnostics.tests.busy", "A test run is already in progress. Please wait for it to finish."),
    M("diagnostics.tests.unknown_plugin", "There is no plugin named {plugin}.", ("plugin",)),
    M("diagnostics.profile.ready", "Profile ready ({duration} s).", ("duration",)),
    _button("button.diagnostics", "Diagnostics"),
    _button("button.diagnostics.health", "Health"),
    _button("button.diagnostics.tests", "Run tests"),
    _button("button.diagnostics.profile", "Profile"),
]
