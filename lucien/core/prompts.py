"""Prompts that wait for the user's next message, and the Cancel buttons they leave behind.

A prompt may be shown on several messages (the question, then each "try again"), each
with its own Cancel button. The ids of those messages are kept in the FSM data, so that:

- when the prompt ends (saved or cancelled) the buttons left on the earlier messages are
  taken away, and an old message no longer offers to cancel what is already done;
- a Cancel pressed on a message that is not one of the open prompt's (the prompt ended,
  or another one is open) is recognised as stale: the plugin answers with a short alert
  and the button goes, and nothing is changed (least of all the prompt now open).

Nothing here knows a feature: the plugins pass their own states and texts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from lucien.core.menus import edit_or_send

log = logging.getLogger("lucien.prompts")

# The FSM data key holding the ids of the messages that show the open prompt.
PROMPT_MESSAGES = "prompt_messages"


async def open_prompt(
    state: FSMContext,
    step: State,
    data: dict[str, Any] | None = None,
    *,
    bot: Bot | None = None,
    chat_id: int | None = None,
    keep: int | None = None,
) -> None:
    """Enter the first step of a prompt with fresh data (a prompt left open is abandoned:
    its buttons go when `bot` and `chat_id` are given, except on message `keep`)."""
    if bot is not None and chat_id is not None:
        await strip_buttons(bot, chat_id, await prompt_messages(state), keep=keep)
    await state.set_state(step)
    await state.set_data(dict(data or {}))


async def remember_prompt(state: FSMContext, message: Message | bool | None) -> None:
    """Note that `message` shows the open prompt (with its Cancel button)."""
    if not isinstance(message, Message):  # an edit that returned True, or nothing sent
        return
    ids = await prompt_messages(state)
    if message.message_id not in ids:
        await state.update_data({PROMPT_MESSAGES: [*ids, message.message_id]})


async def prompt_messages(state: FSMContext) -> list[int]:
    """The ids of the messages that show the open prompt, oldest first."""
    return [int(i) for i in (await state.get_data()).get(PROMPT_MESSAGES, [])]


async def is_open_prompt(
    state: FSMContext, message: Any, states: Iterable[type[StatesGroup] | State]
) -> bool:
    """Whether `message` (where a Cancel was pressed) shows the prompt open now, in one of
    `states`. False when no prompt is open, or when the open one is another's."""
    current = await state.get_state()
    if current is None or message is None:
        return False
    if not any(_holds(group, current) for group in states):
        return False
    return int(message.message_id) in await prompt_messages(state)


def _holds(states: type[StatesGroup] | State, current: str) -> bool:
    return current in states if isinstance(states, type) else current == states.state


async def close_prompt(
    state: FSMContext, bot: Bot | None, chat_id: int, *, keep: int | None = None
) -> None:
    """End the prompt: clear the FSM state and take the buttons off its messages (except
    `keep`, which the caller is about to edit)."""
    ids = await prompt_messages(state)
    await state.clear()
    if bot is not None:
        await strip_buttons(bot, chat_id, ids, keep=keep)


async def strip_buttons(bot: Bot, chat_id: int, ids: Iterable[int], *, keep: int | None) -> None:
    """Remove the inline keyboard of each message; one deleted or already bare is skipped."""
    for message_id in ids:
        if message_id == keep:
            continue
        try:
            await bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=None
            )
        except TelegramAPIError as exc:  # deleted, too old, or already without buttons
            log.debug("could not strip the buttons of message %s: %r", message_id, exc)


async def refuse_stale_cancel(query: CallbackQuery, alert: str) -> None:
    """A Cancel pressed on a prompt no longer open: say so in an alert and take the stale
    buttons off that message. Changes nothing else."""
    await query.answer(alert[:200], show_alert=True)
    message = query.message
    if isinstance(message, Message) and message.reply_markup is not None:
        try:
            await message.edit_reply_markup(reply_markup=None)
        except TelegramAPIError as exc:
            log.debug("could not strip a stale prompt's buttons: %r", exc)


async def show_prompt(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup) -> Any:
    """Turn the pressed message into the prompt (or send it anew when that message can no
    longer be edited); the message that shows it, for `remember_prompt`."""
    return await edit_or_send(query, text, markup)
