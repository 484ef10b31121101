"""POST /webhook: the secret checked, the update deduplicated, handled, then acknowledged.

The update is handled before the HTTP answer (not in the background): if the process dies
mid-way, Telegram redelivers it. Nothing is acknowledged before it happened: an update in
progress on another replica, one that failed on a passing fault before any effect, and
one cut short by shutdown get 503, which Telegram redelivers. A handler that returns one Telegram method has it sent
back in the response body, which saves the bot an API call per reply.
"""

from __future__ import annotations

import asyncio
import datetime
import hmac
import json
import logging
import re
import time
from enum import Enum
from typing import TYPE_CHECKING, Any

from aiogram.client.default import Default
from aiogram.methods import TelegramMethod
from aiogram.types import InputFile, TelegramObject, Update
from aiohttp import MultipartWriter, web
from pydantic import ValidationError

from lucien.core.effects import OUTCOME, UpdateOutcome
from lucien.core.logging import update_id_var
from lucien.core.replies import frozen_dump
from lucien.core.smoke_probe import PROBE_PREFIX, answer_probe
from lucien.core.state import Begin

if TYPE_CHECKING:
    from aiogram import Bot

    from lucien.core.runner import BotApplication

log = logging.getLogger("lucien.webhook")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# One line per update costs more than the update at debug level; above this, always log.
SLOW_UPDATE_S = 5.0
# Telegram waits about 60 s for the answer; past this a handler is given up (see `handle`).
HANDLER_TIMEOUT = 55.0


def _retry_later(reason: str) -> web.Response:
    """A status Telegram treats as "not delivered": it sends the update again later."""
    return web.Response(status=503, text=reason, headers={"Retry-After": "1"})


def _empty() -> web.Response:
    # A fresh object each time: an aiohttp Response can be sent only once.
    return web.Response(body=b"{}", content_type="application/json")


_MARKUP = {"reply_markup"}

# How a surrogate gets into a parsed update: a JSON escape (\uD800-\uDFFF) or its raw
# bytes, which json.loads lets through ("surrogatepass"). Paired ones join into one
# character; a lone one cannot be encoded, so no reply, log line or row could carry it.
_SURROGATE_IN_JSON = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def without_lone_surrogates(value: Any) -> Any:
    """`value` (parsed JSON) with every lone surrogate, in keys and strings, as U+FFFD."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub(REPLACEMENT, value)
    if isinstance(value, dict):
        return {without_lone_surrogates(k): without_lone_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_lone_surrogates(v) for v in value]
    return value


def parse_update_json(body: bytes) -> Any:
    """The body as JSON, lone surrogates replaced; ValueError or RecursionError if it is
    not JSON (or nested too deep). The search for surrogates runs only on a body with an
    escape or a byte that may start one, not on every update."""
    data = json.loads(body)
    if (b"\\u" in body or b"\xed" in body) and _SURROGATE_IN_JSON.search(body):
        data = without_lone_surrogates(data)
    return data


def _utf8(text: str) -> bytes:
    """`text` as UTF-8; a lone surrogate a handler put in its reply becomes U+FFFD."""
    try:
        return text.encode()
    except UnicodeEncodeError:
        return _LONE_SURROGATE.sub(REPLACEMENT, text).encode()


class _NotPlainJson(Exception):
    """A value json cannot write as is (a file, a date, a nested default)."""


class _CarriesFiles(Exception):
    """The method uploads a file: only a multipart body can carry it."""


def _refuse(value: Any) -> Any:
    raise _NotPlainJson(type(value).__name__)


def method_response(app: BotApplication, result: TelegramMethod[Any]) -> web.Response:
    """The method as a JSON body Telegram executes; multipart only when it carries files.

    Built from the method's public fields (`model_dump`, `__api_method__`) and the bot's
    defaults, not with aiogram's webhook handler, whose writer is private and always
    multipart (a dozen parts for one message).
    """
    bot = app.ctx.bot
    # exclude_none: a keyboard's buttons carry a dozen unset fields each.
    markup = frozen_dump(getattr(result, "reply_markup", None))
    if markup is None:
        dumped = result.model_dump(warnings=False, exclude_none=True)
    else:
        dumped = result.model_dump(warnings=False, exclude_none=True, exclude=_MARKUP)
        dumped["reply_markup"] = markup
    payload: dict[str, Any] = {"method": result.__api_method__}
    # The usual reply (text, parse mode, keyboard) is plain JSON once the bot's defaults
    # are filled in: written as is. Anything else (files, dates, defaults deeper down)
    # takes the full walk below.
    for key, value in dumped.items():
        if isinstance(value, Default):
            value = bot.default[value.name]
            if value is None:
                continue
        payload[key] = value
    try:
        body = _utf8(json.dumps(payload, ensure_ascii=False, default=_refuse))
    except _NotPlainJson:
        return _prepared_response(app, result, dumped)
    return web.Response(body=body, content_type="application/json")


def _prepared_response(
    app: BotApplication, result: TelegramMethod[Any], dumped: dict[str, Any]
) -> web.Response:
    """A reply that is not plain JSON as dumped: every value prepared the way aiogram's
    session prepares a request (`plain_value`); multipart when a file is in it."""
    bot = app.ctx.bot
    payload: dict[str, Any] = {"method": result.__api_method__}
    try:
        for key, value in dumped.items():
            prepared = plain_value(value, bot)
            if prepared is not None:
                payload[key] = prepared
    except _CarriesFiles:
        return _multipart_response(bot, result)
    return web.Response(
        body=_utf8(json.dumps(payload, ensure_ascii=False)), content_type="application/json"
    )


def plain_value(value: Any, bot: Bot) -> Any:
    """`value` as plain JSON, as aiogram's `BaseSession.prepare_value` prepares it but
    without writing nested objects as JSON strings: defaults filled in (an unset one left
    out, with every None), dates as Unix time, enums as their values."""
    if isinstance(value, Default):
        value = bot.default[value.name]
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, dict):
        return {k: p for k, v in value.items() if (p := plain_value(v, bot)) is not None}
    if isinstance(value, list | tuple):
        return [p for v in value if (p := plain_value(v, bot)) is not None]
    if isinstance(value, datetime.timedelta):
        value = datetime.datetime.now() + value
    if isinstance(value, datetime.datetime):
        return round(value.timestamp())
    if isinstance(value, Enum):
        return plain_value(value.value, bot)
    if isinstance(value, InputFile):
        raise _CarriesFiles
    if isinstance(value, TelegramObject):
        return plain_value(value.model_dump(warnings=False), bot)
    return value  # json.dumps says what it cannot write


def _multipart_response(bot: Bot, result: TelegramMethod[Any]) -> web.Response:
    """The method as multipart form data with its files, as aiogram would answer it."""
    writer = MultipartWriter("form-data")
    writer.append(result.__api_method__).set_content_disposition("form-data", name="method")
    files: dict[str, InputFile] = {}
    for key, value in result.model_dump(warnings=False).items():
        prepared = bot.session.prepare_value(value, bot=bot, files=files)
        if prepared:  # None and empty values are left out, as aiogram does
            writer.append(prepared).set_content_disposition("form-data", name=key)
    for key, file in files.items():
        part = writer.append(file.read(bot))
        part.set_content_disposition("form-data", name=key, filename=file.filename or key)
    return web.Response(body=writer)


class WebhookHandler:
    """The aiohttp handler for Telegram's webhook calls."""

    def __init__(self, app: BotApplication) -> None:
        self.app = app
        self.secret = app.settings.effective_webhook_secret.encode()
        self.max_body = app.settings.webhook_max_body

    async def __call__(self, request: web.Request) -> web.Response:
        app = self.app
        if not app.accepting:
            # Draining: Telegram retries later, on the replica that replaces this one.
            return web.Response(status=503, text="shutting down")
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            log.warning("webhook call with a wrong or missing secret from %s", request.remote)
            return web.Response(status=401, text="Unauthorized")
        if request.content_length is not None and request.content_length > self.max_body:
            return web.Response(status=413, text="Payload Too Large")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413, text="Payload Too Large")
        if body.startswith(PROBE_PREFIX):
            # `lucien smoke`'s probe: answered here, never dispatched (smoke_probe.py).
            return answer_probe(body, self.secret)
        try:
            # json.loads, not pydantic's own JSON parser: that one refuses a lone surrogate
            # escape in a user's text, and a 400 would lose the update.
            # Lone surrogates are replaced there; nesting past the recursion limit (in
            # json or in pydantic) is a RecursionError: both are a malformed update.
            update = Update.model_validate(parse_update_json(body), context={"bot": app.ctx.bot})
        except RecursionError:
            log.warning("malformed update: nested too deep")
            return web.Response(status=400, text="Bad Request: malformed update")
        except (ValueError, ValidationError) as exc:
            log.warning("malformed update: %s", str(exc)[:200])
            return web.Response(status=400, text="Bad Request: malformed update")
        return await self.handle(update)

    async def handle(self, update: Update) -> web.Response:
        app = self.app
        state = app.ctx.state
        update_id = update.update_id
        update_id_var.set(update_id)
        begun = await state.begin_update(update_id, update=update)
        if not begun:
            if begun is Begin.BUSY:
                # Another replica's live lease holds it: if that replica dies, the update
                # must still be handled, so Telegram is asked to deliver it again later.
                return _retry_later("update in progress elsewhere")
            return _empty()  # handled already: acknowledge only
        if not app.accepting:
            # It waited for its user's lock past the start of a shutdown: leave it to the
            # replica that replaces this one.
            await state.abort_update(update_id)
            return _retry_later("shutting down")
        outcome = UpdateOutcome(may_retry=state.attempts() < app.settings.update_retries)
        outcome_token = OUTCOME.set(outcome)
        app.in_flight += 1
        app.idle.clear()
        started = time.perf_counter()
        deadline: asyncio.Timeout | None = None
        try:
            # feed_update in this request's task, not aiogram's feed_webhook_update: that
            # one runs every update in a new task with a timer and two extra loop turns,
            # only to answer Telegram early and finish in the background, which this
            # webhook never wants (it acknowledges once the update is handled). Handlers
            # are short by design (long work goes to jobs); one that overruns Telegram's
            # patience is cancelled and counts as failed. Shutdown cuts the same deadline
            # short (`BotApplication.stop`).
            async with asyncio.timeout(HANDLER_TIMEOUT) as deadline:
                app.deadlines.add(deadline)
                try:
                    result = await app.ctx.dispatcher.feed_update(app.ctx.bot, update)
                finally:
                    # While the timeout is live: shutdown reschedules only live ones.
                    app.deadlines.discard(deadline)
        except TimeoutError:
            expired = deadline is not None and deadline.expired()
            if expired and not app.cancelling and outcome.retryable:
                # Nothing happened yet (it waited on the pool or a pace): a 200 would lose
                # it, since Telegram never redelivers an acknowledged update. The attempt
                # counts, so an update that always overruns is given up in the end.
                await state.retry_update(update_id)
                app.metrics.updates_retried.inc()
                log.error(
                    "update %s: nothing done in %.0f s; cancelled, left for redelivery",
                    update_id,
                    HANDLER_TIMEOUT,
                    extra={"update_id": update_id},
                )
                return _retry_later("handling took too long; nothing was done")
            await state.abort_update(update_id)
            if not expired:
                raise
            if app.cancelling:
                # Redelivered elsewhere even after an effect: a call in flight may be made
                # twice, but nothing the handler had still to do is lost.
                log.warning(
                    "update %s cancelled at shutdown; left for redelivery",
                    update_id,
                    extra={"update_id": update_id},
                )
                return _retry_later("shutting down")
            log.error(
                "update %s: handling took over %.0f s; cancelled",
                update_id,
                HANDLER_TIMEOUT,
                extra={"update_id": update_id},
            )
            return _empty()
        except BaseException:
            await state.abort_update(update_id)
            raise
        finally:
            OUTCOME.reset(outcome_token)
            app.in_flight -= 1
            if app.in_flight == 0:
                app.idle.set()
            elapsed = time.perf_counter() - started
            app.metrics.observe_update(elapsed)
            if elapsed > SLOW_UPDATE_S or log.isEnabledFor(logging.DEBUG):
                log.log(
                    logging.WARNING if elapsed > SLOW_UPDATE_S else logging.DEBUG,
                    "update %s handled",
                    update_id,
                    extra={"update_id": update_id, "latency_ms": round(elapsed * 1000, 1)},
                )
        if outcome.retry:
            # A passing fault before any effect: nothing to undo, Telegram tries again.
            await state.retry_update(update_id)
            app.metrics.updates_retried.inc()
            return _retry_later("temporarily unable to handle the update")
        # Handled, or failed and apologised for: either way done, never handled twice.
        await state.finish_update(update_id)
        if isinstance(result, TelegramMethod):
            return method_response(app, result)
        return _empty()
