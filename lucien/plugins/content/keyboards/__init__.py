"""Inline keyboards and callback data of the content plugin. Every label goes through the
voice; user-provided names in labels are plain text (Telegram does not parse them), cut
short (`short`): Telegram shows a button on one line, so a long name would be cut
anyway, and a whole row of them would read as noise. The full names are in the message
the buttons sit under.

Where each part lives: `common.py` (the callback data: ContentMenu for users,
ContentAdmin for the admins' packages, ContentInbox for interests; labels cut short;
the helpers), `packages.py` (users' lists and detail, admins' packages and the form),
`interests.py` (the notification, the inbox, "Ver usuario").
"""

from lucien.plugins.content.keyboards.common import (
    ADMIN_PLUGIN,
    USER_CARD,
    ContentAdmin,
    ContentInbox,
    ContentMenu,
    short,
)
from lucien.plugins.content.keyboards.interests import (
    back_to_inbox,
    filter_categories,
    filter_packages,
    inbox,
    notification,
    notification_attended,
    user_data,
)
from lucien.plugins.content.keyboards.packages import (
    admin_detail,
    admin_list,
    after_interest,
    edit_fields,
    form_step,
    to_list,
    to_package,
    user_detail,
    user_list,
)

__all__ = [
    "ADMIN_PLUGIN",
    "USER_CARD",
    "ContentAdmin",
    "ContentInbox",
    "ContentMenu",
    "admin_detail",
    "admin_list",
    "after_interest",
    "back_to_inbox",
    "edit_fields",
    "filter_categories",
    "filter_packages",
    "form_step",
    "inbox",
    "notification",
    "notification_attended",
    "short",
    "to_list",
    "to_package",
    "user_data",
    "user_detail",
    "user_list",
]
