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
    # outside Railway: the machine and the process this report comes from
    M(
        "diagnostics.report.version_local",
        "Version {version}, up {uptime:minutes}, on {host} (process {pid}).",
        ("version", "uptime", "host", "pid"),
    ),
    M("diagnostics.report.section.components", "Components:"),
    M("diagnostics.report.check", "- {name}: {status}; {detail}", ("name", "status", "detail")),
    M("diagnostics.report.check_bare", "- {name}: {status}", ("name", "status")),
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
        "- {plugin} {version} ({name}): {state}",
        ("name", "plugin", "version", "state"),
    ),
    M(
        "diagnostics.report.plugin_reason",
        "- {plugin} {version} ({name}): {state} {reason}",
        ("name", "plugin", "version", "state", "reason"),
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
    M("diagnostics.report.cache_unused", "- {namespace}: no lookups yet", ("namespace",)),
    M("diagnostics.report.section.jobs", "Jobs:"),
    M(
        "diagnostics.report.job",
        "- {job}: every {interval} s, {depth} waiting",
        ("name", "job", "interval", "depth"),
    ),
    M("diagnostics.report.job_bare", "- {job}: every {interval} s", ("name", "job", "interval")),
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
    # a page of a report too long for one message
    M("diagnostics.report.page", "Page {page} of {pages}", ("page", "pages")),
    # one figure a check publishes: its label (a diagnostics.data.* line or its name)
    M("diagnostics.report.figure", "{label}: {value}", ("label", "value")),
    # the core's components
    # names in words: jobs, plugins and checks (`wording.py`; any plugin may add its own)
    M("diagnostics.job.free.approvals", "free channel approvals"),
    M("diagnostics.job.free.welcomes", "free channel welcomes"),
    M("diagnostics.job.vip.reminders", "VIP reminders"),
    M("diagnostics.job.vip.expiry", "VIP expiries"),
    M("diagnostics.job.vip.links", "VIP invite links"),
    M("diagnostics.job.core.watch", "house watch"),
    M("diagnostics.job.core.outbox", "messages to send"),
    M("diagnostics.job.core.backup", "backups"),
    M("diagnostics.job.publish.broadcasts", "broadcasts"),
    M("diagnostics.job.publish.posts", "channel posts"),
    M("diagnostics.job.publish.reactions", "reaction counts"),
    M("diagnostics.job.dashboard.sampler", "dashboard samples"),
    M("diagnostics.plugin.admin", "administration"),
    M("diagnostics.plugin.content", "content"),
    M("diagnostics.plugin.core", "core"),
    M("diagnostics.plugin.dashboard", "dashboard"),
    M("diagnostics.plugin.diagnostics", "diagnostics"),
    M("diagnostics.plugin.free", "free channel"),
    M("diagnostics.plugin.vip", "VIP channel"),
    M("diagnostics.plugin.voice", "Lucien's voice"),
    M("diagnostics.plugin.publish", "publishing"),
    M("diagnostics.plugin.import_sqlite", "SQLite import"),
    M("diagnostics.plugin.sandbox", "sandbox"),
    M("diagnostics.component.backup", "backups"),
    M("diagnostics.component.database", "database"),
    M("diagnostics.component.migrations", "migrations"),
    M("diagnostics.component.redis", "redis"),
    M("diagnostics.component.dispatcher", "dispatcher"),
    M("diagnostics.component.webhook", "webhook"),
    # the health checks' details the report knows (see services/wording.py)
    M("diagnostics.detail.at_head", "up to date"),
    M("diagnostics.detail.not_at_head", "migrations waiting to be applied"),
    M("diagnostics.detail.not_started", "not started"),
    M("diagnostics.detail.redis_memory", "no REDIS_URL: state in memory, one process only"),
    M(
        "diagnostics.detail.redis_down_for",
        "Redis unreachable for {seconds} s; running on in-process state, reconnecting",
        ("seconds",),
    ),
    M("diagnostics.detail.redis_down", "Redis unreachable"),
    M("diagnostics.detail.redis_connected", "connected, {ms} ms", ("ms",)),
    M("diagnostics.detail.free_channel_unset", "free channel not configured"),
    M("diagnostics.detail.vip_channel_unset", "VIP channel not configured"),
    M("diagnostics.detail.channel", "channel {channel}", ("channel",)),
    M("diagnostics.detail.raised", "the check failed: {error}", ("error",)),
    # the figures checks publish
    M("diagnostics.data.latency_ms", "latency (ms)"),
    M("diagnostics.data.mode", "mode"),
    M("diagnostics.data.connected", "connected"),
    M("diagnostics.data.outages", "outages"),
    M("diagnostics.data.pending_interests", "interests waiting"),
    M("diagnostics.data.active_packages", "active packages"),
    M("diagnostics.data.inactive_packages", "inactive packages"),
    M("diagnostics.data.broadcasts_running", "broadcasts running"),
    M("diagnostics.data.broadcasts_scheduled", "broadcasts scheduled"),
    M("diagnostics.data.active_subscriptions", "active subscriptions"),
    M("diagnostics.data.redeemable_tokens", "redeemable invitations"),
    M("diagnostics.value.yes", "yes"),
    M("diagnostics.value.no", "no"),
    M("diagnostics.value.memory", "in memory"),
    M("diagnostics.value.redis", "Redis"),
    # the core's reasons for leaving a plugin out
    M("diagnostics.reason.not_listed", "(not in LUCIEN_PLUGINS)"),
    M("diagnostics.reason.disabled_by_env", "(listed in LUCIEN_DISABLED_PLUGINS)"),
    # Telegram's administrator rights a channel setting asks for
    M("diagnostics.right.administrator", "being an administrator"),
    M("diagnostics.right.can_invite_users", "inviting users"),
    M("diagnostics.right.can_restrict_members", "restricting members"),
    M("diagnostics.right.can_post_messages", "posting messages"),
    M("diagnostics.right.can_edit_messages", "editing messages"),
    M("diagnostics.right.can_delete_messages", "deleting messages"),
    M("diagnostics.right.can_manage_chat", "managing the channel"),
    # the channel a plugin's setting names
    M("diagnostics.channel.vip", "VIP channel"),
    M("diagnostics.channel.free", "free channel"),
    M("diagnostics.channel.other", "channel of {plugin}", ("plugin",)),
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
    M(
        "diagnostics.tests.more_failures",
        "... and {count:plural:one=# more failure|other=# more failures}, in the report.",
        ("count",),
    ),
    M(
        "diagnostics.tests.done_failed",
        "Test run finished with failures, named above; the full report follows.",
    ),
    M("diagnostics.tests.report_caption", "Full test report."),
    M("diagnostics.profile.started", "Profiling for {seconds} s...", ("seconds",)),
    M(
        "diagnostics.profile.busy",
        "A profile is already being taken. Please wait for it to finish.",
    ),
    M(
        "diagnostics.profile.statements",
        "{count:plural:one=# SQL statement|other=# SQL statements}, slowest:",
        ("count",),
    ),
    M(
        "diagnostics.profile.statement",
        "• {duration} ms ({count:plural:one=# run|other=# runs}): <code>{sql}</code>",
        ("duration", "count", "sql"),
    ),
    M("diagnostics.profile.no_statements", "No SQL statements ran meanwhile."),
    _button("button.diagnostics.report", "Diagnostics report"),
    _button("button.diagnostics.run_all", "Run all tests"),
    _button("button.diagnostics", "Diagnostics"),
    _button("button.diagnostics.health", "Health"),
    _button("button.diagnostics.tests", "Run tests"),
    _button("button.diagnostics.profile", "Profile"),
    _button("button.diagnostics.previous", "« Previous"),
    _button("button.diagnostics.next", "Next »"),
]
