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
        "Health report: {passed} passing, {warned:plural:one=# warning|other=# warnings}, "
        "{failed:plural:one=# failure|other=# failures}.",
        ("passed", "warned", "failed"),
    ),
    M("diagnostics.tests.running", "Running the tests of {plugin}...", ("plugin",)),
    M(
        "diagnostics.tests.passed",
        "Tests of {plugin}: {passed:plural:one=# test passed|other=all # passed} in {duration} s.",
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
    M("diagnostics.forbidden", "This option is only available to administrators."),
    M(
        "diagnostics.report.version",
        "Version {version}, up {uptime:minutes}, replica {replica}.",
        ("version", "uptime", "replica"),
    ),
    M("diagnostics.report.section.components", "Components:"),
    M("diagnostics.report.check", "- {name}: {status} {detail}", ("name", "status", "detail")),
    # an entry of a table a check publishes (its job queues: "free.approvals: 0")
    M("diagnostics.report.check_item", "  - {item}: {value}", ("item", "value")),
    # statuses of checks and states of plugins, said in the admin's language
    M("diagnostics.report.status.pass", "pass"),
    M("diagnostics.report.status.warn", "warn"),
    M("diagnostics.report.status.fail", "fail"),
    M("diagnostics.report.state.enabled", "enabled"),
    M("diagnostics.report.state.disabled", "disabled"),
    M("diagnostics.report.state.failed", "failed"),
    M("diagnostics.report.section.plugins", "Plugins:"),
    M(
        "diagnostics.report.plugin",
        "- {name} {version}: {state} {reason}",
        ("name", "version", "state", "reason"),
    ),
    M("diagnostics.report.section.migrations", "Migrations:"),
    M(
        "diagnostics.report.migration",
        "- {branch}: {current} (head {head}), {pending} pending",
        ("branch", "current", "head", "pending"),
    ),
    M(
        "diagnostics.report.webhook",
        "Webhook: {pending:plural:one=# pending update|other=# pending updates}, "
        "last error: {error}",
        ("pending", "error"),
    ),
    M("diagnostics.report.none", "none"),
    M("diagnostics.report.webhook_error", "{error} ({when:datetime})", ("error", "when")),
    M("diagnostics.report.section.cache", "Cache:"),
    M(
        "diagnostics.report.cache",
        "- {namespace}: {rate} hits ({hits}/{lookups})",
        ("namespace", "rate", "hits", "lookups"),
    ),
    M("diagnostics.report.section.jobs", "Jobs:"),
    M(
        "diagnostics.report.job",
        "- {name}: every {interval} s, {depth} waiting",
        ("name", "interval", "depth"),
    ),
    M("diagnostics.report.section.channels", "Channels:"),
    M(
        "diagnostics.report.channel_ok",
        "- {setting} ({channel}): all rights present",
        ("setting", "channel"),
    ),
    M(
        "diagnostics.report.channel_missing",
        "- {setting} ({channel}): missing {missing}",
        ("setting", "channel", "missing"),
    ),
    M(
        "diagnostics.report.channel_unreachable",
        "- {setting} ({channel}): cannot be checked: {error}",
        ("setting", "channel", "error"),
    ),
    M("diagnostics.tests.none", "No test suite to run."),
    M(
        "diagnostics.tests.progress",
        "Tests: {done} of {total:plural:one=# plugin|other=# plugins} done.",
        ("done", "total"),
    ),
    M(
        "diagnostics.tests.timeout",
        "Tests of {plugin}: stopped after {duration} s (timeout).",
        ("plugin", "duration"),
    ),
    M("diagnostics.tests.skipped", "({skipped} skipped)", ("skipped",)),
    M("diagnostics.tests.coverage", "(coverage {coverage}%)", ("coverage",)),
    M("diagnostics.tests.failure", "- {plugin}: {test}: {reason}", ("plugin", "test", "reason")),
    M("diagnostics.tests.done_ok", "Test run finished: everything passed."),
    M("diagnostics.tests.done_failed", "Test run finished with failures. First failures:"),
    M("diagnostics.tests.report_caption", "Full test report."),
    M("diagnostics.profile.started", "Profiling for {seconds} s...", ("seconds",)),
    M(
        "diagnostics.profile.busy",
        "A profile is already being taken. Please wait for it to finish.",
    ),
    _button("button.diagnostics.report", "Diagnostics report"),
    _button("button.diagnostics.run_all", "Run all tests"),
    _button("button.diagnostics", "Diagnostics"),
    _button("button.diagnostics.health", "Health"),
    _button("button.diagnostics.tests", "Run tests"),
    _button("button.diagnostics.profile", "Profile"),
]
