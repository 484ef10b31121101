"""Message keys of the admin plugin (the built-in plugin declares /start's greetings,
the generic menu header, the fallbacks and `button.menu`).

Each key carries its plain default (shown when the voice plugin is disabled) and the
context names the caller passes. `{name}` is the user's display name, filled in by the
voice from `user=`.
"""

from __future__ import annotations

from lucien.core.plugin import MessageKey

M = MessageKey


def _button(key: str, default: str, context: tuple[str, ...] = ()) -> MessageKey:
    return MessageKey(key, default, context, button=True)


MESSAGES: list[MessageKey] = [
    # --- main menu, per role
    M("menu.header.admin", "Admin menu. Choose an option.", ("name",)),
    # --- access
    M("admin.forbidden", "This option is only available to administrators."),
    # a Cancel pressed on a prompt already saved or cancelled: an alert (200 characters)
    M(
        "admin.prompt_closed",
        "That request is already closed; this button no longer does anything.",
    ),
    # --- farewells
    M("farewell.goodbye", "Goodbye, {name}.", ("name",)),
    M("farewell.menu_closed", "Menu closed. Send /start to open it again."),
    # --- configuration
    M("config.menu.header", "Bot configuration. Choose what to change."),
    M(
        "config.channel.vip.prompt",
        "Forward a message from the VIP channel, or send its @username or id. "
        "The bot must be an administrator there.",
    ),
    M(
        "config.channel.free.prompt",
        "Forward a message from the free channel, or send its @username or id. "
        "The bot must be an administrator there.",
    ),
    M("config.channel.vip.set", "VIP channel set: {channel}.", ("channel",)),
    # the channel is already another setting's (`used_by`: that setting's label)
    M(
        "config.channel.refused.in_use",
        "{channel} is already the {used_by}. One channel cannot be both; choose another.",
        ("channel", "used_by"),
    ),
    M("config.channel.free.set", "Free channel set: {channel}.", ("channel",)),
    M(
        "config.channel.refused.not_found",
        "Channel {channel} was not found. Check the @username or id and try again.",
        ("channel",),
    ),
    M(
        "config.channel.refused.not_admin",
        "The bot is not an administrator of {channel}. Add it as an administrator and try again.",
        ("channel",),
    ),
    M(
        "config.channel.refused.missing_rights",
        "The bot lacks these rights in {channel}: {rights}. Grant them and try again.",
        ("channel", "rights"),
    ),
    # Telegram's administrator rights a channel setting asks for (in missing_rights)
    M("config.right.can_invite_users", "invite users"),
    M("config.right.can_restrict_members", "restrict members"),
    M("config.right.can_post_messages", "post messages"),
    M("config.right.can_edit_messages", "edit messages"),
    M("config.right.can_delete_messages", "delete messages"),
    M("config.right.can_manage_chat", "manage the channel"),
    M(
        "config.wait_time.prompt",
        "Send the wait time, in minutes, before free-channel requests are approved. "
        "Current: {current_minutes:minutes}.",
        ("current_minutes",),
    ),
    M("config.wait_time.set", "Wait time set to {minutes:minutes}.", ("minutes",)),
    M(
        "config.wait_time.invalid",
        "'{value}' is not a valid wait time. Send a whole number of minutes "
        "from 0 to {max_minutes}.",
        ("value", "max_minutes"),
    ),
    M(
        "config.social.prompt",
        "Send the social links: one per line, or separated by commas or spaces. Each is an "
        "https:// link (https:// only) or an @user, which is a Telegram username. "
        "Send - to remove them all.",
    ),
    M("config.social.set", "Social links saved: {count}.", ("count",)),
    # `line` is the refused link, quoted short
    M(
        "config.social.invalid",
        "'{line}' is not a valid link. Use an https:// link or an @user (a Telegram username).",
        ("line",),
    ),
    # any links setting: an http:// link (`link`, quoted short)
    M(
        "config.links.insecure",
        "'{link}' starts with http://: only https:// links are accepted.",
        ("link",),
    ),
    M("config.social.cleared", "Social links removed."),
    M(
        "config.timezone.prompt",
        "Send the timezone, for example America/Mexico_City. Current: {current}.",
        ("current",),
    ),
    M("config.timezone.set", "Timezone set to {timezone}.", ("timezone",)),
    M(
        "config.timezone.invalid",
        "'{value}' is not a known timezone. Use a name such as America/Mexico_City.",
        ("value",),
    ),
    M("config.creator_name.prompt", "Send the creator's name. Current: {current}.", ("current",)),
    M("config.creator_name.set", "Creator's name set to {new_name}.", ("new_name",)),
    M("config.admins.list", "Administrators:\n{admins}", ("admins",)),
    # under a list too long for one screen
    M("config.admins.page", "Page {page} of {pages}", ("page", "pages")),
    M("config.admins.prompt", "Send the Telegram id of the user to add as administrator."),
    M("config.admins.added", "User {user_id} is now an administrator.", ("user_id",)),
    M("config.admins.removed", "User {user_id} is no longer an administrator.", ("user_id",)),
    M("config.admins.already", "User {user_id} is already an administrator.", ("user_id",)),
    M("config.admins.invalid", "'{value}' is not a valid Telegram id.", ("value",)),
    M("config.admins.cannot_remove_self", "You cannot remove yourself as administrator."),
    M("config.plugins.list", "Plugins:\n{plugins}", ("plugins",)),
    # one line of the plugins list; the state is one of the three keys below, rendered
    M("config.plugins.line", "• {plugin} {version} — {state}", ("plugin", "version", "state")),
    M(
        "config.plugins.line_reason",
        "• {plugin} {version} — {state} ({reason})",
        ("plugin", "version", "state", "reason"),
    ),
    M("config.plugins.state.enabled", "enabled"),
    M("config.plugins.state.disabled", "disabled"),
    M("config.plugins.state.failed", "failed"),
    # the core's reasons for leaving a plugin out
    M("config.plugins.reason.not_listed", "not in LUCIEN_PLUGINS"),
    M("config.plugins.reason.disabled_by_env", "in LUCIEN_DISABLED_PLUGINS"),
    M(
        "config.conflict",
        "These settings were changed by someone else in the meantime. "
        "Nothing was saved; review the current values and try again.",
    ),
    M(
        "config.conflict.current",
        "Value now in force for {setting}: {current}",
        ("setting", "current"),
    ),
    M("config.cancelled", "Cancelled. Nothing was changed."),
    # the welcome in Spanish: every user reads it, but English speakers when theirs is set
    M(
        "config.welcome.prompt",
        "Send the welcome text (in Spanish) shown on /start instead of the greeting, "
        "{max:plural:one=# character|other=# characters} at most. Send - to remove it.",
        ("max",),
    ),
    M(
        "config.welcome_en.prompt",
        "Send the welcome text in English, shown on /start to English speakers instead of "
        "the greeting, {max:plural:one=# character|other=# characters} at most; without "
        "it they read the Spanish one. Send - to remove it.",
        ("max",),
    ),
    M("config.welcome.set", "Welcome text saved."),
    # the value in force, under a prompt (quoted short)
    M("config.current", "Current value: {current}", ("current",)),
    M("config.current.empty", "There is no value at present."),
    # a text setting emptied with "-"
    M("config.text.cleared", "{setting} removed.", ("setting",)),
    M(
        "config.text.too_long",
        "That text has {count:plural:one=# character|other=# characters}; "
        "{setting} takes {max:plural:one=# character|other=# characters} at most. "
        "Nothing was saved.",
        ("count", "max", "setting"),
    ),
    # --- generic settings (fields other plugins mark editable, without lines of their own)
    M(
        "config.setting.prompt",
        "Send the new value of {setting}: {expected}.",
        ("setting", "expected"),
    ),
    M("config.setting.set", "{setting} set to {value}.", ("setting", "value")),
    # `reason`: one of the config.reason.* lines
    M(
        "config.setting.invalid",
        "'{value}' was refused for {setting}: {reason}. Nothing was saved.",
        ("value", "setting", "reason"),
    ),
    # what a generic prompt expects, by kind
    M("config.expect.int", "a whole number"),
    M("config.expect.int_range", "a whole number from {min} to {max}", ("min", "max")),
    M("config.expect.text", "a text"),
    M(
        "config.expect.text_max",
        "a text of {max:plural:one=# character|other=# characters} at most",
        ("max",),
    ),
    M("config.expect.links", "https:// links or @users, separated by spaces or commas"),
    M("config.expect.timezone", "a timezone such as America/Mexico_City"),
    M("config.expect.emoji", "from 1 to {max} emoji, separated by spaces", ("max",)),
    M("config.expect.bool", "Yes or No (a button, or the word typed)"),
    M("config.expect.channel", "a message forwarded from the channel, or its @username or id"),
    # why a value was refused, said inside config.setting.invalid and its kin
    M("config.reason.not_number", "it is not a whole number"),
    M("config.reason.range", "it must be from {min} to {max}", ("min", "max")),
    M("config.reason.at_least", "it must be {min} or more", ("min",)),
    M("config.reason.at_most", "it must be {max} or less", ("max",)),
    M("config.reason.empty", "it is empty"),
    M("config.reason.not_link", "it is neither an https:// link nor an @user"),
    M("config.reason.other", "this setting does not accept it"),
    M("config.reason.not_yes_no", "it is neither yes nor no"),
    M("config.reason.emoji_not_emoji", "'{value}' is not an emoji", ("value",)),
    M("config.reason.emoji_empty", "there is no emoji in it"),
    M("config.reason.emoji_repeated", "{value} appears twice", ("value",)),
    M(
        "config.reason.emoji_too_many",
        "it has {count} emoji, and {max} at most are taken",
        ("max", "count"),
    ),
    # --- the content plugin's window for repeated "I'm interested"
    M(
        "config.interest_window.prompt",
        "Within how many minutes does a person's repeated interest in one package count "
        "once? Send a whole number of minutes. Current: {current_minutes:minutes}.",
        ("current_minutes",),
    ),
    M("config.interest_window.set", "Interest window set to {minutes:minutes}.", ("minutes",)),
    M(
        "config.interest_window.invalid",
        "'{value}' will not do: {reason}. Nothing was saved.",
        ("value", "reason"),
    ),
    # --- finding a user ("value" is what the admin sent)
    M(
        "users.prompt",
        "Find a user: send their Telegram id, their @username or part of their name, "
        "or forward one of their messages.",
    ),
    M(
        "users.invalid",
        "'{value}' is neither an id, an @username nor a name. Try again, or cancel.",
        ("value",),
    ),
    M(
        "users.bad_id",
        "'{value}' is not a valid Telegram id. Try again, or cancel.",
        ("value",),
    ),
    M("users.too_short", "Send at least two letters of the name.", ("value",)),
    M("users.too_long", "That is too long for a name; send a shorter part of it.", ("value",)),
    M(
        "users.hidden",
        "That person hides their account in forwarded messages, so I cannot tell who they "
        "are. Send their @username or part of their name instead.",
    ),
    M(
        "users.not_a_person",
        "That message comes from a channel or a group, not from a person. "
        "Forward one of the user's own messages.",
    ),
    M(
        "users.not_found",
        "Nobody matching '{value}' has written to the bot. Try another search, or cancel.",
        ("value",),
    ),
    M(
        "users.results",
        "{count:plural:one=# user matches|other=# users match} '{query}' "
        "(page {page} of {pages}). Choose one, or send another search.",
        ("count", "query", "page", "pages"),
    ),
    M("users.cancelled", "Search closed."),
    # --- the user card (names escaped by the voice; dates in the creator's timezone, which
    # `zone` names: "CST", "CEST", "UTC-05")
    M("card.title", "<b>{user_name}</b> · id <code>{user_id}</code>", ("user_name", "user_id")),
    M("card.username", "Username: @{username}", ("username",)),
    M("card.no_username", "No @username."),
    M("card.language", "Language: {language}", ("language",)),
    M("card.first_seen", "First seen {when:datetime} ({zone}).", ("when", "zone")),
    M("card.last_seen", "Last seen {when:datetime} ({zone}).", ("when", "zone")),
    M("card.role", "Role: {role_name}", ("role_name",)),
    M("card.why.env", "— administrator through ADMIN_IDS"),
    M("card.why.added", "— administrator, added by {by} on {when:date}", ("by", "when")),
    # a role another plugin grants: `section` is the title of that plugin's section below
    M("card.why.section", "— {role_name} (see '{section}' below)", ("role_name", "section")),
    # ... a plugin without a section on the card
    M("card.why.plugin", "— {role_name}, granted by another part of the bot", ("role_name",)),
    M(
        "card.blocked",
        "Blocked from the bot since {when:datetime} ({zone}), by {by}.",
        ("when", "zone", "by"),
    ),
    M("card.not_blocked", "Not blocked."),
    M("card.audit.title", "<b>Latest actions</b>"),
    M(
        "card.audit.line",
        "{when:datetime} ({zone}) — {actor}: {action}",
        ("when", "zone", "actor", "action"),
    ),
    M("card.audit.none", "No action recorded yet."),
    # a plugin's section longer than the card shows
    M("card.more", "… and {count} more", ("count",)),
    # the card was too long for one message: what follows was left out
    M("card.cut", "… (the rest does not fit in one message)"),
    M("card.unknown", "User {user_id} has never written to the bot.", ("user_id",)),
    M(
        "card.confirm.block",
        "Block {user_name}? They will get one line from the bot, then silence, "
        "until they are unblocked.",
        ("user_name",),
    ),
    M("card.confirm.unblock", "Unblock {user_name}?", ("user_name",)),
    M("card.confirm.promote", "Make {user_name} an administrator?", ("user_name",)),
    M("card.confirm.demote", "Remove {user_name} from the administrators?", ("user_name",)),
    M("card.done.block", "{user_name} is blocked.", ("user_name",)),
    M("card.done.unblock", "{user_name} is unblocked.", ("user_name",)),
    M("card.done.promote", "{user_name} is now an administrator.", ("user_name",)),
    M("card.done.demote", "{user_name} is no longer an administrator.", ("user_name",)),
    M("card.unchanged", "Nothing changed: it was already so.", ("user_name",)),
    M("card.refused.block_admin", "Administrators cannot be blocked.", ("user_name",)),
    M(
        "card.refused.env",
        "{user_name} is an administrator through ADMIN_IDS; that changes in the "
        "configuration, not here.",
        ("user_name",),
    ),
    M("card.refused.self", "You cannot remove yourself as administrator.", ("user_name",)),
    M(
        "card.refused.blocked",
        "Unblock {user_name} before making them an administrator.",
        ("user_name",),
    ),
    # labels of roles and audited actions on the card (other plugins may declare theirs)
    _button("role.admin", "administrator"),
    # everyone's role (the lowest-ranked) when no plugin gives it a label of its own
    _button("card.role.base", "guest"),
    _button("audit.admin.promote", "made administrator"),
    _button("audit.admin.demote", "removed from the administrators"),
    _button("audit.user.block", "blocked"),
    _button("audit.user.unblock", "unblocked"),
    # --- statistics
    M("stats.header", "<b>Statistics</b> as of {when:datetime} ({zone})", ("when", "zone")),
    M("stats.people.title", "People"),
    M("stats.people.users", "Users: {count}", ("count",)),
    M(
        "stats.people.active",
        "Active {days:plural:one=in the last day|other=in the last # days}: {count}",
        ("count", "days"),
    ),
    M("stats.people.admins", "Administrators: {count}", ("count",)),
    # a toast (no markup)
    M("stats.refreshed", "Figures refreshed."),
    # --- buttons
    _button("button.back", "Back"),
    _button("button.cancel", "Cancel"),
    _button("button.confirm", "Confirm"),
    # A yes/no setting's answers (its prompt's buttons, and its value shown).
    _button("button.config.yes", "Yes"),
    _button("button.config.no", "No"),
    _button("button.close", "Close"),
    _button("button.config", "Configuration"),
    _button("button.config.vip_channel", "VIP channel"),
    _button("button.config.free_channel", "Free channel"),
    _button("button.config.wait_time", "Wait time"),
    _button("button.config.social", "Social links"),
    _button("button.config.timezone", "Timezone"),
    _button("button.config.creator_name", "Creator's name"),
    _button("button.config.admins", "Administrators"),
    _button("button.config.plugins", "Plugins"),
    _button("button.config.welcome_free", "Free welcome · Spanish"),
    _button("button.config.welcome_free_en", "Free welcome · English"),
    _button("button.config.welcome_vip", "VIP welcome · Spanish"),
    _button("button.config.welcome_vip_en", "VIP welcome · English"),
    _button("button.config.interest_window", "Interest window"),
    # a setting without a label of its own: its plugin, and its number among those
    _button("button.config.setting", "{plugin} setting {number}", ("plugin", "number")),
    _button("button.admins.add", "Add administrator"),
    _button("button.admins.remove", "Remove {member}", ("member",)),
    _button("button.users", "Users"),
    _button("button.users.search", "New search"),
    _button("button.stats", "Statistics"),
    _button("button.stats.refresh", "Refresh"),
    _button("button.page.previous", "« Previous"),
    _button("button.page.next", "Next »"),
    _button("button.card.block", "Block"),
    _button("button.card.unblock", "Unblock"),
    _button("button.card.promote", "Make administrator"),
    _button("button.card.demote", "Remove administrator"),
    _button("button.card.confirm.block", "Yes, block"),
    _button("button.card.confirm.unblock", "Yes, unblock"),
    _button("button.card.confirm.promote", "Yes, make administrator"),
    _button("button.card.confirm.demote", "Yes, remove"),
]
