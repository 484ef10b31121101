"""Database and business logic of the admin plugin, one module per concern:

- `admins.py`: who is an administrator (ADMIN_IDS plus the `admins` table), adding and
  removing them;
- `config.py`: the settings admins may edit from chat, discovered from every enabled
  plugin's settings model, parsed, validated (channels against Telegram) and saved with
  optimistic versioning; the admin plugin's own settings; the plugins screen;
- `broadcast.py`: broadcasts to the users the core has seen, in a background task.

Callers import every public name from here.
"""

from lucien.plugins.admin.services.admins import AdminService, admin_service
from lucien.plugins.admin.services.broadcast import BroadcastService, audiences, broadcast_service
from lucien.plugins.admin.services.config import (
    KINDS,
    AdminSettings,
    ChannelInfo,
    EditableField,
    Refusal,
    SaveResult,
    check_channel,
    current_value,
    describe,
    editable_fields,
    find_field,
    parse_value,
    plugin_lines,
    prompt_context,
    save_setting,
    voice_keys,
)

__all__ = [
    "KINDS",
    "AdminService",
    "AdminSettings",
    "BroadcastService",
    "ChannelInfo",
    "EditableField",
    "Refusal",
    "SaveResult",
    "admin_service",
    "audiences",
    "broadcast_service",
    "check_channel",
    "current_value",
    "describe",
    "editable_fields",
    "find_field",
    "parse_value",
    "plugin_lines",
    "prompt_context",
    "save_setting",
    "voice_keys",
]
