"""Every handler of a plugin runs under its name (logs, the error handler, `plugin_name`),
through aiogram's public inner-middleware API, sub-routers and plain functions included."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.filters import Command
from aiogram.types import ErrorEvent, Message, Update

from lucien.core.logging import plugin_var
from lucien.core.middlewares import tag_handlers

TOKEN = "123456:" + "A" * 35


def _update(update_id: int, text: str) -> Update:
    return Update.model_validate(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 1767268800,
                "text": text,
                "chat": {"id": 7, "type": "private", "first_name": "Ana"},
                "from": {"id": 7, "is_bot": False, "first_name": "Ana"},
                "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
            },
        }
    )


def _dispatcher(errors: list[str | None]) -> Dispatcher:
    greeter, inner, other = Router(name="greeter"), Router(name="inner"), Router(name="other")

    @inner.message(Command("hello"))
    async def hello(message: Message, plugin_name: str) -> str:
        return f"{plugin_name}/{plugin_var.get()}"

    @inner.message(Command("plain"))
    def plain(message: Message) -> str | None:  # aiogram runs it in a thread
        return plugin_var.get()

    @greeter.message(Command("fail"))
    async def fail(message: Message) -> None:
        raise RuntimeError("boom")

    @other.message(Command("other"))
    async def untagged(message: Message, **data: Any) -> str:
        return f"{data.get('plugin_name')}/{plugin_var.get()}"

    greeter.include_router(inner)
    dp = Dispatcher()
    tag_handlers(greeter, "greeter", skip={"update", "error"})
    dp.include_routers(greeter, other)

    @dp.errors()
    async def on_error(event: ErrorEvent) -> bool:
        errors.append(plugin_var.get())
        return True

    return dp


async def test_handlers_run_under_their_plugins_name() -> None:
    errors: list[str | None] = []
    dp = _dispatcher(errors)
    bot = Bot(TOKEN)
    try:
        assert await dp.feed_update(bot, _update(1, "/hello")) == "greeter/greeter"
        assert await dp.feed_update(bot, _update(2, "/plain")) == "greeter"
        # Another plugin's handler is not named after this one, and the name is reset.
        assert await dp.feed_update(bot, _update(3, "/other")) == "None/None"
        assert plugin_var.get() is None
        # A failure is logged under the plugin whose handler raised.
        await dp.feed_update(bot, _update(4, "/fail"))
        assert errors == ["greeter"]
    finally:
        await bot.session.close()
