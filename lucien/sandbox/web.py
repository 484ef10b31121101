"""The web chat: the page, its static files, and the small JSON API it polls and calls.

Every action goes through the emulator's user actors, exactly as the end-to-end tests
drive the bot, and returns once the bot has handled it; the page then re-reads the state.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from lucien.core.testing.emulator import ActorError, StoredMessage

from . import channels, views
from .api import SANDBOX_KEY, BadInput, actor_of, body_of, message_id_of, sandbox_of
from .files import MAX_BODY, UploadRefused, file_response, read_upload

if TYPE_CHECKING:
    from . import Sandbox

STATIC = Path(__file__).parent / "static"
#: Longest parameter dump per call in the API log (a CSV of tokens can be long).
PARAMS_LIMIT = 1500


def build_web_app(sandbox: Sandbox) -> web.Application:
    """The aiohttp application serving the web chat for `sandbox`."""
    app = web.Application(middlewares=[_errors], client_max_size=MAX_BODY)
    app[SANDBOX_KEY] = sandbox
    app.router.add_get("/", _index)
    app.router.add_get("/favicon.ico", _favicon)
    app.router.add_static("/static/", STATIC, append_version=True)
    app.router.add_get("/api/state", _state)
    app.router.add_get("/api/calls", _calls)
    app.router.add_get("/api/calls/export", _calls_export)
    app.router.add_get("/api/file", _file)
    app.router.add_post("/api/actors", _new_actor)
    app.router.add_post("/api/send", _send)
    app.router.add_post("/api/send_media", _send_media)
    app.router.add_post("/api/click", _click)
    app.router.add_post("/api/clock", _clock)
    channels.add_routes(app)
    return app


@web.middleware
async def _errors(request: web.Request, handler: Any) -> web.StreamResponse:
    # What a Telegram client would refuse (no such button...) is the visitor's mistake,
    # said plainly; a bot that takes too long is reported rather than hanging the page.
    try:
        return await handler(request)
    except ActorError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    except TimeoutError as exc:
        return web.json_response({"error": f"the bot did not answer in time: {exc}"}, status=504)


# -- the page ---------------------------------------------------------------------------


async def _index(request: web.Request) -> web.StreamResponse:
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    return web.Response(
        text=page, content_type="text/html", charset="utf-8", headers={"Cache-Control": "no-store"}
    )


async def _favicon(request: web.Request) -> web.StreamResponse:
    # The page links /static/favicon.svg; this answers a browser that asks the default
    # place anyway, so no favicon request ever 404s (nor goes anywhere else).
    return web.FileResponse(STATIC / "favicon.svg", headers={"Content-Type": "image/svg+xml"})


# -- reading ----------------------------------------------------------------------------


async def _state(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    state: dict[str, Any] = {
        "now": sandbox.clock.now().isoformat(),
        "bot": {"username": sandbox.emulator.bot.username, "name": sandbox.emulator.bot.first_name},
        "actors": await views.actors(sandbox),
        "channels": await views.channels(sandbox),
        "calls": len(sandbox.emulator.calls),
        "plugins": views.plugins(sandbox),
    }
    raw = request.query.get("actor")
    if raw:
        actor = actor_of(sandbox, raw)
        state["actor"] = actor.id
        state["messages"] = views.messages(actor)
        state["answers"] = [
            {"id": q.id, "text": q.text or "", "alert": q.show_alert}
            for q in actor.callback_answers
            if q.text
        ][-5:]
    return web.json_response(state)


async def _calls(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    try:
        since = max(0, int(request.query.get("since", "0")))
    except ValueError:
        raise BadInput("since is a number") from None
    calls = sandbox.emulator.calls
    out = []
    for index in range(since, len(calls)):
        call = calls[index]
        params = json.dumps(call.params, ensure_ascii=False, default=str)
        if len(params) > PARAMS_LIMIT:
            params = params[:PARAMS_LIMIT] + "…"
        out.append({"n": index, "method": call.method, "status": call.status, "params": params})
    return web.json_response({"next": len(calls), "calls": out})


async def _calls_export(request: web.Request) -> web.Response:
    """Every Bot API call so far as a JSON download, named by the sandbox clock (the
    time the visitor sees on the page), not the machine's."""
    sandbox = sandbox_of(request)
    calls = [
        {"n": n, "method": call.method, "status": call.status, "params": call.params}
        for n, call in enumerate(sandbox.emulator.calls)
    ]
    now = sandbox.clock.now()
    body = json.dumps(
        {"clock": now.isoformat(), "calls": calls}, ensure_ascii=False, indent=1, default=str
    )
    return web.Response(
        text=body,
        content_type="application/json",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{export_name("calls", now)}"'},
    )


def export_name(what: str, when: datetime) -> str:
    """A download's file name, stamped with the sandbox clock `when` (UTC)."""
    return f"lucien-sandbox-{what}-{when.strftime('%Y%m%d-%H%M%S')}.json"


async def _file(request: web.Request) -> web.Response:
    """A message's file, from a person's chat (``actor``) or a channel (``channel``);
    ``inline=1`` shows a photo, video or voice note in place when that is safe."""
    sandbox = sandbox_of(request)
    query = request.query
    if "channel" in query:
        chat_id = (await views.channel_ids(sandbox)).get(query["channel"])
        if chat_id is None or chat_id not in sandbox.emulator.chats:
            raise web.HTTPNotFound()
        store = sandbox.emulator.chat(chat_id).messages
    else:
        store = actor_of(sandbox, query.get("actor")).chat_with().messages
    try:
        message = store[int(query.get("message_id", ""))]
    except (ValueError, KeyError):
        raise web.HTTPNotFound() from None
    return file_response(message, query.get("kind", "document"), query.get("inline") == "1")


# -- acting -----------------------------------------------------------------------------


async def _new_actor(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    data = await body_of(request)
    name = str(data.get("name") or "").strip()
    if not name:
        raise BadInput("a name, please")
    actor = sandbox.add_actor(name, str(data.get("language") or "es"))
    return web.json_response({"id": actor.id, "name": actor.first_name})


async def _send(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    data = await body_of(request)
    actor = actor_of(sandbox, data.get("actor"))
    text = str(data.get("text") or "").strip()
    if not text:
        raise BadInput("nothing to send")
    if len(text) > 4096:
        raise BadInput("Telegram messages are at most 4096 characters")
    async with sandbox.lock:
        await actor.send(text)
    return web.json_response({"ok": True})


async def _send_media(request: web.Request) -> web.Response:
    """A photo or video the person attaches, the composer's text as its caption."""
    sandbox = sandbox_of(request)
    data = await body_of(request)
    actor = actor_of(sandbox, data.get("actor"))
    try:
        upload = read_upload(data)
    except UploadRefused as exc:
        raise BadInput(str(exc)) from None
    async with sandbox.lock:
        if upload.kind == "photo":
            await actor.send_photo(upload.data, caption=upload.caption, filename=upload.filename)
        else:
            await actor.send_video(upload.data, caption=upload.caption, filename=upload.filename)
    return web.json_response({"ok": True})


async def _click(request: web.Request) -> web.Response:
    """Press a button in the person's chat, or on a channel post (``channel``: its key),
    which anyone who sees the post may press, member or not."""
    sandbox = sandbox_of(request)
    data = await body_of(request)
    actor = actor_of(sandbox, data.get("actor"))
    message_id = message_id_of(data.get("message_id"))
    label = str(data.get("label") or "")
    row, col = data.get("row"), data.get("col")
    channel = data.get("channel")
    async with sandbox.lock:
        if channel is not None:
            chat_id = (await views.channel_ids(sandbox)).get(str(channel))
            if chat_id is None or chat_id not in sandbox.emulator.chats:
                raise BadInput('channel is "free" or "vip"')
            if message_id is None:
                raise BadInput("which post? message_id, please")
            post = sandbox.emulator.chat(chat_id).messages.get(message_id)
            pressed = _button_in(post, row, col, label)
            if pressed is not None:
                query = await actor.press(*pressed)
            else:
                query = await actor.click_in(chat_id, message_id, label)
        else:
            pressed = _button_at(actor, message_id, row, col, label)
            if pressed is not None:
                query = await actor.press(*pressed)
            else:  # an older page, or a button that moved: the first one with that label
                query = await actor.click(label, message=message_id)
    return web.json_response({"ok": True, "answer": query.text or "", "alert": query.show_alert})


def _button_at(actor: Any, message_id: Any, row: Any, col: Any, label: str) -> Any:
    """(message, callback data) of the button at (row, col) of the message, when it still
    carries `label` there: a list may repeat one label on every row."""
    if message_id is None:
        return None
    message = next((m for m in actor.messages if m.message_id == int(message_id)), None)
    return _button_in(message, row, col, label)


def _button_in(message: StoredMessage | None, row: Any, col: Any, label: str) -> Any:
    """(message, callback data) of the callback button at (row, col) labelled `label`."""
    if message is None or message.deleted:
        return None
    if not isinstance(row, int) or not isinstance(col, int) or row < 0 or col < 0:
        return None
    rows = (message.reply_markup or {}).get("inline_keyboard") or []
    if row >= len(rows) or col >= len(rows[row]):
        return None
    button = rows[row][col]
    if button.get("text") != label or "callback_data" not in button:
        return None
    return message, str(button["callback_data"])


async def _clock(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    data = await body_of(request)
    try:
        delta = timedelta(
            minutes=float(data.get("minutes") or 0),
            hours=float(data.get("hours") or 0),
            days=float(data.get("days") or 0),
        )
    except (TypeError, ValueError):
        raise BadInput("minutes, hours and days are numbers") from None
    if delta <= timedelta(0) or delta > timedelta(days=400):
        raise BadInput("move the clock forward, by up to 400 days")
    now = await sandbox.advance(delta)
    return web.json_response({"ok": True, "now": now.isoformat()})
