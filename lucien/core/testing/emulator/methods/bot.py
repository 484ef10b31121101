"""The bot's own profile: getMe, commands, chat actions and the no-op settings."""

from __future__ import annotations

import json
from typing import Any

from ..errors import bad_request
from ..state import UserState
from . import MethodContext, method


def _scope_key(ctx: MethodContext) -> str:
    scope = ctx.params.json("scope") or {"type": "default"}
    language = ctx.params.str("language_code") or ""
    return json.dumps([scope, language], sort_keys=True)


@method("getMe")
async def get_me(ctx: MethodContext) -> dict[str, Any]:
    return ctx.bot.get_me()


@method(
    "logOut",
    "close",
    "setMyDescription",
    "setMyShortDescription",
    "setMyName",
    "setChatMenuButton",
    "setMyDefaultAdministratorRights",
)
async def accept(ctx: MethodContext) -> bool:
    """Settings with no observable effect here; accepted like Telegram does."""
    return True


@method("setMyCommands")
async def set_my_commands(ctx: MethodContext) -> bool:
    commands = ctx.params.json("commands")
    if not isinstance(commands, list):
        raise bad_request("commands is empty")
    for command in commands:
        name = str(command.get("command", "")) if isinstance(command, dict) else ""
        if (
            not (1 <= len(name) <= 32)
            or not name.replace("_", "").isalnum()
            or name.lower() != name
        ):
            raise bad_request("BOT_COMMAND_INVALID")
        if not (1 <= len(str(command.get("description", ""))) <= 256):
            raise bad_request("command description is empty")
    ctx.bot.commands[_scope_key(ctx)] = commands
    return True


@method("deleteMyCommands")
async def delete_my_commands(ctx: MethodContext) -> bool:
    ctx.bot.commands.pop(_scope_key(ctx), None)
    return True


@method("getMyCommands")
async def get_my_commands(ctx: MethodContext) -> list[dict[str, Any]]:
    return ctx.bot.commands.get(_scope_key(ctx), [])


@method("sendChatAction")
async def send_chat_action(ctx: MethodContext) -> bool:
    target = ctx.resolve()
    if isinstance(target, UserState):
        ctx.may_write_privately(target)
    else:
        ctx.require_member(target)
    if not ctx.params.str("action"):
        raise bad_request("action is empty")
    return True
