"""Run the emulator on its own: ``python -m lucien.core.testing.emulator --port 8081``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from .server import Emulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lucien emulator", description="Serve the Telegram Bot API emulator."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=None, help="bot token to register (generated if unset)")
    parser.add_argument("--username", default="lucien_bot")
    parser.add_argument("--limits", choices=("on", "off"), default="on")
    parser.add_argument(
        "--users",
        type=int,
        default=0,
        help="pre-register N users who started the bot (for load generators)",
    )
    parser.add_argument("--first-user-id", type=int, default=10_000_000)
    return parser


async def _serve(args: argparse.Namespace) -> None:
    emulator = Emulator(limits=args.limits)
    bot = emulator.create_bot(args.token, username=args.username)
    for offset in range(args.users):
        # Updates for these users are posted straight to the bot's webhook, so the
        # emulator never saw them write; mark their chats started so replies are allowed.
        actor = emulator.add_user(
            f"U{args.first_user_id + offset}", user_id=args.first_user_id + offset
        )
        actor.chat_with(bot).started = True
    await emulator.start(args.host, args.port)
    print(f"Bot API emulator on {emulator.base_url}", flush=True)
    print(f"BOT_TOKEN={bot.token}", flush=True)
    print(f"TELEGRAM_API_URL={emulator.base_url}", flush=True)
    try:
        await asyncio.Event().wait()  # until Ctrl-C cancels us
    finally:
        await emulator.stop()


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted; returns the process exit code."""
    args = _parser().parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    return 0
