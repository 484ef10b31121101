"""Message keys of the voice plugin: how the admins' configuration screens name and ask
for the voice's own settings (by the convention of `config_keys`:
`button.config.voice_<key>`, `config.voice_<key>.prompt|set|invalid`)."""

from __future__ import annotations

from lucien.core.plugin import MessageKey

M = MessageKey

MESSAGES: list[MessageKey] = [
    # The creator's Telegram account (`creator_id`): she is greeted as the lady of the house.
    MessageKey("button.config.voice_creator_id", "{creator}'s account", ("creator",), button=True),
    M(
        "config.voice_creator_id.prompt",
        "Send the Telegram id of {creator}'s account (a number, as her card under Users "
        "shows it): she will be greeted as the lady of the house.",
        ("creator",),
    ),
    M(
        "config.voice_creator_id.set",
        "Done: account {value} is {creator}'s. She will be greeted as the lady of the house.",
        ("value", "creator"),
    ),
    # Saved, but said: an account the bot has never seen, or that is no admin's (only a
    # custodian is greeted as the lady of the house). The admin plugin picks these.
    M(
        "config.voice_creator_id.unseen",
        "Saved: account {value} is {creator}'s. Note that this account has never written to "
        "the bot, and she will be greeted as the lady of the house only as an administrator.",
        ("value", "creator"),
    ),
    M(
        "config.voice_creator_id.not_admin",
        "Saved: account {value} is {creator}'s. Note that it is not an administrator's: "
        "until it is, it will be greeted as anyone else.",
        ("value", "creator"),
    ),
    # `reason`: one of the admin plugin's config.reason.* lines
    M(
        "config.voice_creator_id.invalid",
        "'{value}' is not a Telegram id: {reason}. Nothing was changed.",
        ("value", "reason"),
    ),
]
