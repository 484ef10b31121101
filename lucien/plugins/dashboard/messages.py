"""Message keys of the dashboard plugin: the login link and the refusal."""

from __future__ import annotations

from lucien.core.plugin import MessageKey

MESSAGES: list[MessageKey] = [
    MessageKey(
        "dashboard.link",
        'The dashboard: <a href="{url}">open it</a>. The link works once, for '
        "{minutes:plural:one=# minute|other=# minutes}, and only for you.",
        ("url", "minutes"),
    ),
    MessageKey("dashboard.forbidden", "The dashboard is for administrators only."),
]
