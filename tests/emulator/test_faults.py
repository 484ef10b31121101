"""Fault injection: failures with Telegram's envelope, late answers and hangs, on demand."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter, TelegramServerError

from lucien.core.testing.emulator import BotAccount, Emulator


async def _raw(emu: Emulator, account: BotAccount, method: str, **params: object) -> tuple:
    async with aiohttp.ClientSession() as http:
        url = f"{emu.base_url}/bot{account.token}/{method}"
        async with http.post(url, json=params) as resp:
            return resp.status, await resp.json()


async def test_502_once_then_normal(emu: Emulator, account: BotAccount) -> None:
    """A 502 fault answers Telegram's envelope once, is recorded, then the method works."""
    channel = emu.create_channel("Free")
    ana = emu.add_user("Ana")
    emu.faults.add(method="getChatMember", status=502, times=1)
    status, body = await _raw(emu, account, "getChatMember", chat_id=channel.id, user_id=ana.id)
    assert status == 502
    assert body == {"ok": False, "error_code": 502, "description": "Bad Gateway"}
    status, body = await _raw(emu, account, "getChatMember", chat_id=channel.id, user_id=ana.id)
    assert status == 200 and body["result"]["status"] == "left"
    assert [c.status for c in emu.calls_of("getChatMember")] == [502, 200]
    assert emu.faults.active == []


async def test_429_with_retry_after_through_aiogram(
    emu: Emulator, bot: Bot, account: BotAccount, hooked
) -> None:
    """429 carries parameters.retry_after, so aiogram raises TelegramRetryAfter; twice, then
    the message goes through and the user sees it once."""
    ana = emu.add_user("Ana")
    await ana.send("/start")
    emu.faults.add(method="sendMessage", status=429, retry_after=3, times=2)
    for _ in range(2):
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(ana.id, "Hola")
        assert caught.value.retry_after == 3
    await bot.send_message(ana.id, "Hola")
    assert [m.text for m in ana.messages] == ["Hola"]
    assert [c.status for c in emu.calls_of("sendMessage")] == [429, 429, 200]
    status, body = await _raw(emu, account, "sendMessage", chat_id=ana.id, text="x")
    assert status == 200
    emu.faults.add(method="sendMessage", status=429, retry_after=3)
    status, body = await _raw(emu, account, "sendMessage", chat_id=ana.id, text="x")
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }


async def test_5xx_reaches_aiogram_as_server_error(emu: Emulator, bot: Bot, hooked) -> None:
    """aiogram sees a 5xx fault as TelegramServerError; the message is not sent."""
    ana = emu.add_user("Ana")
    await ana.send("/start")
    emu.faults.add(method="*", status=500, times=1)
    with pytest.raises(TelegramServerError):
        await bot.send_message(ana.id, "Hola")
    assert ana.messages == []


async def test_filters_by_user_and_chat(emu: Emulator, account: BotAccount, hooked) -> None:
    """user_id catches calls about that user (user_id or their private chat); chat_id only
    that chat."""
    channel = emu.create_channel("Free")
    ana, bea = emu.add_user("Ana"), emu.add_user("Bea")
    for user in (ana, bea):
        await user.send("/start")
    emu.faults.add(status=502, user_id=ana.id)
    assert (await _raw(emu, account, "sendMessage", chat_id=bea.id, text="x"))[0] == 200
    assert (await _raw(emu, account, "sendMessage", chat_id=ana.id, text="x"))[0] == 502
    member = {"chat_id": channel.id, "user_id": ana.id}
    assert (await _raw(emu, account, "getChatMember", **member))[0] == 502
    emu.faults.clear()
    emu.faults.add(method="getChatMember", status=503, chat_id=channel.id)
    assert (await _raw(emu, account, "getChatMember", **member))[0] == 503
    other = emu.create_channel("Other")
    assert (await _raw(emu, account, "getChatMember", chat_id=other.id, user_id=ana.id))[0] == 200
    assert (await _raw(emu, account, "sendMessage", chat_id=ana.id, text="x"))[0] == 200


async def test_delay_answers_late_and_is_held_meanwhile(emu: Emulator, bot: Bot, hooked) -> None:
    """A delayed call is listed as held until it answers, then runs normally."""
    ana = emu.add_user("Ana")
    await ana.send("/start")
    emu.faults.add(method="sendMessage", delay=0.2)
    emu.faults.add(method="getMe", hang=True)
    asking = asyncio.create_task(bot.get_me())
    sending = asyncio.create_task(bot.send_message(ana.id, "Tarde"))
    [held] = await emu.faults.wait_held(method="sendmessage")
    assert held.params["text"] == "Tarde"
    assert {h.method for h in emu.faults.held} <= {"sendMessage", "getMe"}
    assert ana.messages == []
    await sending
    assert [m.text for m in ana.messages] == ["Tarde"]
    assert [h.method for h in emu.faults.held] == ["getMe"]
    assert len(emu.faults.active) == 2  # without times: every call
    emu.faults.clear()
    assert (await asking).username == "lucien_bot"
    assert emu.faults.held == []


async def test_delayed_call_runs_even_if_the_client_gave_up(
    emu: Emulator, bot: Bot, hooked
) -> None:
    """Like Telegram, a call whose client was cancelled mid-wait still takes effect."""
    ana = emu.add_user("Ana")
    await ana.send("/start")
    emu.faults.add(method="sendMessage", delay=0.2, times=1)
    sending = asyncio.create_task(bot.send_message(ana.id, "Perdido"))
    await emu.faults.wait_held()
    sending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sending
    await emu.faults.wait_none_held()
    assert [m.text for m in ana.messages] == ["Perdido"]


async def test_hang_until_cleared(emu: Emulator, bot: Bot, hooked) -> None:
    """A hang never answers; clear() releases it and the call then runs."""
    ana = emu.add_user("Ana")
    await ana.send("/start")
    emu.faults.add(method="*", hang=True)
    sending = asyncio.create_task(bot.send_message(ana.id, "Por fin"))
    await emu.faults.wait_held()
    done, _ = await asyncio.wait([sending], timeout=0.1)
    assert not done and ana.messages == []
    emu.faults.clear()
    await sending
    assert [m.text for m in ana.messages] == ["Por fin"]
    assert emu.faults.held == []


async def test_hung_call_ends_when_the_emulator_closes(clock) -> None:
    """Closing the emulator ends hung calls (502, not run) instead of waiting forever."""
    emu = Emulator(clock=clock)
    await emu.start()
    account = emu.create_bot()
    ana = emu.add_user("Ana")
    emu.faults.add(hang=True)
    call = asyncio.create_task(_raw(emu, account, "sendMessage", chat_id=ana.id, text="x"))
    await emu.faults.wait_held()
    async with asyncio.timeout(5):
        await emu.stop()
    assert emu.calls_of("sendMessage")[0].status == 502
    call.cancel()
    await asyncio.gather(call, return_exceptions=True)
    assert ana.messages == []


async def test_control_route(emu: Emulator, account: BotAccount, hooked) -> None:
    """Over HTTP: POST adds (one or a list), GET lists faults and held calls, DELETE clears
    (all, or one by id); bad input gets a 400 envelope."""
    ana = emu.add_user("Ana")
    await ana.send("/start")
    url = f"{emu.base_url}/_emulator/faults"
    async with aiohttp.ClientSession() as http:
        spec = {"method": "sendMessage", "status": 502, "times": 1}
        async with http.post(url, json=spec) as resp:
            assert resp.status == 200
            added = (await resp.json())["result"]
        assert added["method"] == "sendMessage" and added["times"] == 1
        assert (await _raw(emu, account, "sendMessage", chat_id=ana.id, text="x"))[0] == 502
        assert (await _raw(emu, account, "sendMessage", chat_id=ana.id, text="x"))[0] == 200

        specs = [{"method": "getMe", "hang": True}, {"method": "sendMessage", "status": 503}]
        async with http.post(url, json=specs) as resp:
            hang, fail = (await resp.json())["result"]
        calling = asyncio.create_task(_raw(emu, account, "getMe"))
        await emu.faults.wait_held()
        async with http.get(url) as resp:
            listed = (await resp.json())["result"]
        assert [f["id"] for f in listed["faults"]] == [hang["id"], fail["id"]]
        assert [h["method"] for h in listed["held"]] == ["getMe"]

        async with http.delete(url, params={"id": str(fail["id"])}) as resp:
            assert resp.status == 200
        assert (await _raw(emu, account, "sendMessage", chat_id=ana.id, text="x"))[0] == 200
        async with http.delete(url) as resp:
            assert resp.status == 200
        assert (await calling)[0] == 200
        assert emu.faults.active == []

        for bad in ({"method": "x", "status": 200}, {"methd": "x"}, {"method": "x"}, [1]):
            async with http.post(url, json=bad) as resp:
                assert resp.status == 400
                body = await resp.json()
                assert body["ok"] is False and body["description"].startswith("Bad Request: ")
    assert emu.faults.active == []


def test_add_refuses_meaningless_faults() -> None:
    """A fault must fail, wait or hang; retry_after only with 429; times is positive."""
    emu = Emulator()
    with pytest.raises(ValueError):
        emu.faults.add(method="sendMessage")
    with pytest.raises(ValueError):
        emu.faults.add(status=502, retry_after=3)
    with pytest.raises(ValueError):
        emu.faults.add(status=502, times=0)
    assert emu.faults.add(retry_after=2).status == 429
