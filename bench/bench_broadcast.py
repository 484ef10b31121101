"""Broadcast throughput: two replicas share Telegram's pace for one broadcast.

    .venv/bin/python bench/bench_broadcast.py [--recipients 10000] [--rate 25] [--replicas 2]

Two `lucien run` replicas (PostgreSQL, Redis) and the Bot API emulator with Telegram's
limits on (about 30 messages a second per bot, 1 a second per chat). The recipients are
seeded as users who have talked to the bot; an admin broadcasts to everyone from chat
(/broadcast, the text, Everyone, Send now), and both replicas' jobs send it. Printed: the
achieved rate (copies answered 200, first to last) against the configured global rate
(`SEND_RATE`), that ratio (goal: at least 0.95), the 429s the emulator answered (goal: 0),
and whether every recipient got it exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lucien.core.db.models import User  # noqa: E402
from lucien.core.testing.replicas import Cluster  # noqa: E402
from tests.drills.kit import execute, wait_until  # noqa: E402

TEXT = "The house has news."
SENDING = {"copyMessage", "copyMessages", "sendMessage"}


async def run(recipients: int, rate: float, replicas: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        cluster = Cluster(
            Path(tmp),
            plugins=["voice", "admin", "publish"],
            limits="on",
            env={"SEND_RATE": str(rate), "LOG_LEVEL": "WARNING"},
            handle_timeout=60.0,
        )
        async with cluster:
            emu = cluster.emulator
            assert cluster.bot is not None
            admin = cluster.user("Ada", language_code="en")
            people = [cluster.user(f"P{i}", language_code="en") for i in range(recipients)]
            for person in people:
                person.chat_with(cluster.bot).started = True
            await cluster.start_replicas(replicas, env={"ADMIN_IDS": str(admin.id)})
            now = datetime.now(UTC)
            for start in range(0, recipients, 2000):
                await execute(
                    cluster,
                    insert(User).values(
                        [
                            {"id": p.id, "first_name": p.first_name, "language_code": "en",
                             "first_seen": now, "last_seen": now, "blocked_bot": False}
                            for p in people[start : start + 2000]
                        ]
                    ),
                )  # fmt: skip
            await admin.send("/broadcast")
            await admin.send(TEXT)
            await admin.click("Everyone")
            print(f"preview: {admin.last.text}")
            calls_before = len(emu.calls)
            await admin.click("Send now")

            # Counted incrementally: rescanning every call 20 times a second would starve
            # the emulator's own loop (it runs in this process) and bunch its answers.
            first = last = 0.0
            seen, scanned = 0, calls_before
            started = time.monotonic()
            while seen < recipients + 1:
                await asyncio.sleep(0.05)
                new = emu.calls[scanned:]
                scanned += len(new)
                count = sum(1 for c in new if c.method == "copyMessage" and c.status == 200)
                now_t = time.monotonic()
                if count and not first:
                    first = now_t
                if count:
                    seen, last = seen + count, now_t
                if now_t - started > recipients / rate * 3 + 120:
                    print(f"gave up: {seen} of {recipients + 1} sent")
                    break
            await wait_until(
                lambda: any("finished:" in (m.text or "") for m in admin.messages),
                60,
                "the final counts",
            )
            calls = emu.calls[calls_before:]
            refused = sum(1 for c in calls if c.method in SENDING and c.status == 429)
            copies = Counter(
                c.params.get("chat_id")
                for c in calls
                if c.method == "copyMessage" and c.status == 200
            )
            achieved = (seen - 1) / (last - first) if last > first else 0.0
            doubled = sum(1 for n in copies.values() if n > 1)
            print(f"recipients: {recipients + 1} (with the admin), replicas: {replicas}")
            print(f"sent: {seen} in {last - first:.1f} s")
            print(f"achieved rate: {achieved:.2f}/s against the configured {rate:.2f}/s")
            print(f"ratio: {achieved / rate:.3f} (goal >= 0.95)")
            print(f"429 answered: {refused} (goal 0)")
            where = Counter(
                f"{c.method} to {'the admin' if c.params.get('chat_id') == admin.id else 'a recipient'}"
                for c in calls
                if c.method in SENDING and c.status == 429
            )
            if where:
                print(f"  of which: {dict(where)}")
            print(f"recipients with more than one copy: {doubled}")
            final = next(m.text for m in admin.messages if "finished:" in (m.text or ""))
            print(f"admin sees: {final}")
            return 0 if refused == 0 and achieved / rate >= 0.95 and doubled == 0 else 1


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=25.0)
    parser.add_argument("--replicas", type=int, default=2)
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args.recipients, args.rate, args.replicas)))


if __name__ == "__main__":
    main()
