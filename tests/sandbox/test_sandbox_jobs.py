"""The sandbox runs its bot's jobs every real second while its clock stands still: a
broadcast sent now goes out without a jump of time (the walkthrough found it waiting for
"+1 min", its progress at 0)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from lucien.sandbox import Sandbox, world

from .test_sandbox_api import Api


async def _click(api: Api, actor: int, label: str) -> None:
    message = (await api.state(actor))["messages"][-1]
    await api.post("/api/click", {"actor": actor, "message_id": message["id"], "label": label})


async def test_a_broadcast_sent_now_goes_out_without_moving_the_clock(tmp_path: Path) -> None:
    async with (
        Sandbox(port=0, db_path=str(tmp_path / "s.db"), reset=True) as box,
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as client,
    ):
        api = Api(client, box)
        frozen = box.clock.now()
        await api.post("/api/send", {"actor": world.NEW_ID, "text": "/start"})
        await api.post("/api/send", {"actor": world.ADMIN_ID, "text": "/broadcast"})
        await api.post("/api/send", {"actor": world.ADMIN_ID, "text": "Velada esta noche"})
        await _click(api, world.ADMIN_ID, "Todos")
        await _click(api, world.ADMIN_ID, "Enviar ahora")

        for _ in range(100):  # a few job ticks at most
            texts = [m["html"] for m in (await api.state(world.NEW_ID))["messages"]]
            if any("Velada esta noche" in t for t in texts):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the broadcast did not reach the new user without a jump")
        assert box.clock.now() == frozen  # time stood still
