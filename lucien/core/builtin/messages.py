"""Message keys of the built-in plugin, with their plain defaults.

`menu.header.<role>` is looked up first for a role's menu (the plugin declaring the
role may declare it); `menu.header` is the header of any role without one.
"""

from __future__ import annotations

from lucien.core.plugin import MessageKey

M = MessageKey

# How many times an alert's cause happened since its last alert.
_COUNT = "Occurrences since the last alert: {count:number}."

MESSAGES: list[MessageKey] = [
    # --- /start and /menu
    M("greeting.new", "Welcome, {name}. Choose an option from the menu below.", ("name",)),
    M("greeting.returning", "Welcome back, {name}. Choose an option below.", ("name",)),
    # back after a long absence (LONG_ABSENCE in handlers.py)
    M(
        "greeting.long_absence",
        "Welcome back, {name}. It has been a while. Choose an option below.",
        ("name",),
    ),
    # a welcome text written by an admin (escaped by the voice)
    M("greeting.custom", "{text}", ("text",)),
    M("menu.header", "Main menu. Choose an option.", ("name", "role")),
    M("menu.header.free", "Main menu. Choose an option.", ("name",)),
    M("menu.back", "Back to the main menu."),
    M("menu.stale", "This menu is out of date. Here is the current one."),
    MessageKey("button.menu", "Main menu", button=True),
    # --- what nobody claimed
    M("start.unknown_link", "I do not recognise that link. Here is your menu."),
    M("error.unknown_command", "Unknown command. Send /start to open the menu."),
    M("fallback.unclaimed", "I did not quite follow. Here is the way to your menu."),
    M("error.too_fast", "Too many requests. Please wait a few seconds and try again."),
    M("error.blocked", "An administrator has closed this bot to you."),
    # --- failures the core reports (its error handler and the state backend)
    M("error.generic", "Something went wrong. Please try again in a moment."),
    M(
        "error.state_unavailable",
        "The bot is busy right now and could not take your request. Please try again in a minute.",
    ),
    # --- error alerts to the admins (lucien/core/error_alerts.py); `count` is the number
    # of occurrences since the last alert of the same cause
    M(
        "alert.handler_failed",
        "A handler failed in plugin {plugin} ({handler}): {error}\nAt {where}.\n" + _COUNT,
        ("plugin", "handler", "error", "where", "count"),
    ),
    M(
        "alert.job_failed",
        "The background job {job} failed: {error}\nAt {where}.\n" + _COUNT,
        ("job", "error", "where", "count"),
    ),
    M(
        "alert.plugin_failed",
        "The plugin {plugin} failed to start and was left out: {reason}\n" + _COUNT,
        ("plugin", "reason", "count"),
    ),
    M(
        "alert.dependency_down",
        "{dependency} is unreachable: {error}\n" + _COUNT,
        ("dependency", "error", "count"),
    ),
    M(
        "alert.dependency_up",
        "{dependency} is reachable again after {seconds} s.",
        ("dependency", "seconds"),
    ),
    M(
        "alert.webhook_error",
        "Telegram reports an error delivering the webhook: {error}\n"
        "{pending:plural:one=# update waiting|other=# updates waiting}.\n" + _COUNT,
        ("error", "pending", "count"),
    ),
    MessageKey("alert.silence", "Silence 1 h", button=True),
    M("alert.silenced", "Silenced for an hour, for every admin."),
    M("alert.silence_refused", "Only the admins may silence alerts."),
    # --- scheduled backups (lucien/core/backup/job.py): the last one is older than twice
    # BACKUP_INTERVAL and the latest attempt failed
    M(
        "alert.backup_stale",
        "The last backup was taken {age} ago and the latest attempt failed: {error}",
        ("age", "error"),
    ),
    M(
        "alert.backup_never",
        "No backup has succeeded yet; the latest attempt failed: {error}",
        ("age", "error"),
    ),
]
