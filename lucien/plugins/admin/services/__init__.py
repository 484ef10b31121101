"""Database and business logic of the admin plugin, one module per concern:

- `admins.py`: who is an administrator (ADMIN_IDS plus the `admins` table), adding and
  removing them;
- `config.py`: the settings admins may edit from chat, discovered from every enabled
  plugin's settings model, named and asked for in the admin's language, validated and
  saved with optimistic versioning; the admin plugin's own settings (welcome texts);
- `config_parse.py`: what an admin typed for a setting, read or refused with the reason
  (quotes of the input kept short);
- `plugins_list.py`: the plugins screen;
- `users.py`: finding people in the core's `users` table (id, @username, name, paged);
- `card.py`: the user card (the core's facts, every plugin's section, the audit log) and
  the admin plugin's actions on it (block, unblock, promote, demote);
- `stats.py`: the statistics screen (every plugin's section, cached a minute).

Callers import every public name from here.
"""

from lucien.plugins.admin.services.admins import AdminService, admin_service
from lucien.plugins.admin.services.card import ACTIONS, Action, Card, CardService, card_service
from lucien.plugins.admin.services.config import (
    KINDS,
    WELCOME_MAX,
    AdminSettings,
    EditableField,
    SaveResult,
    bool_key,
    current_value,
    describe,
    editable_fields,
    field_label,
    find_field,
    label_context,
    parse_value,
    prompt_text,
    save_setting,
    voice_keys,
    welcome_for,
)
from lucien.plugins.admin.services.config_parse import (
    ChannelInfo,
    Refusal,
    check_channel,
    quote,
)
from lucien.plugins.admin.services.plugins_list import plugin_lines
from lucien.plugins.admin.services.stats import (
    STATS_NS,
    StatisticsService,
    StatsScreen,
    statistics_service,
)
from lucien.plugins.admin.services.users import (
    PAGE_SIZE,
    Person,
    Query,
    SearchPage,
    UserDirectory,
    decode_fragment,
    encode_fragment,
    fold,
    parse_query,
    telegram_id,
    user_directory,
)

__all__ = [
    "ACTIONS",
    "KINDS",
    "PAGE_SIZE",
    "STATS_NS",
    "WELCOME_MAX",
    "Action",
    "AdminService",
    "AdminSettings",
    "Card",
    "CardService",
    "ChannelInfo",
    "EditableField",
    "Person",
    "Query",
    "Refusal",
    "SaveResult",
    "SearchPage",
    "StatisticsService",
    "StatsScreen",
    "UserDirectory",
    "admin_service",
    "bool_key",
    "card_service",
    "check_channel",
    "current_value",
    "decode_fragment",
    "describe",
    "editable_fields",
    "encode_fragment",
    "field_label",
    "find_field",
    "fold",
    "label_context",
    "parse_query",
    "parse_value",
    "plugin_lines",
    "prompt_text",
    "quote",
    "save_setting",
    "statistics_service",
    "telegram_id",
    "user_directory",
    "voice_keys",
    "welcome_for",
]
