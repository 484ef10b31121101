"""Journey load test: simulated people walk whole journeys through the bot, as on Telegram.

    .venv/bin/locust -f bench/locustfile.py --headless -u 1000 -r 50 -t 3m

Each simulated user is a Telegram user (a fresh identity per journey) who posts its
updates to the bot's webhook with the secret header, exactly as Telegram would, pausing
a few seconds between steps as a person reads:

    start             /start; the main menu arrives
    menu              "Mi contenido" (the content list, edited in place)   [content on]
    package           a package's detail                                   [content on]
    interest          "Me interesa"; a note naming the package             [content on]
    menu:main         "Menú principal" on that note: the main menu again   [content on]
    menu:free         "El vestíbulo": the door, a join-request link
    join_request      the user opens that link (a chat_join_request update); told the wait
    redeem            /start VIP-... (the deep link of the identity's own token): stage 1
    ritual:continuar  "Continuar": stage 2
    ritual:listo      "Estoy listo": the one-time link ("Cruzar el umbral")
    vip:join          the user opens it; the bot handles the chat_member update the
                      emulator delivers (timed from opening the link to handled)

A step's time is the webhook round trip: Lucien answers only once the update is handled,
its Bot API calls included. A method the bot put in its answer's body is then run on the
emulator, as Telegram runs it. A step fails on a non-200, or when what the user should see
is missing (the emulator's GET /_emulator/chats/{id}/messages reads the chat); the journey
then ends and the user starts another with a new identity. When the identities run out,
users go on with returning visits (start, menu) on their last one.

The rig (bench/journey_rig.py: the emulator, PostgreSQL, Redis and `lucien run`, seeded
with the channels, a plan, one token per identity and content packages) is started by
this file and stopped at the end; LUCIEN_RIG=<path of a running rig's JSON> uses that one
instead. JOURNEY_PAUSE="2,5" sets the pause range in seconds; JOURNEY_IDENTITIES the
identity count (by default enough for one journey per user every 25 s of the run);
JOURNEY_DISABLED_PLUGINS=content runs the bot without those plugins; JOURNEY_SERVERS=2
runs two `lucien run` replicas (users split between their webhooks).
Single process only (no --processes: the identity counter lives in this process).
"""

from __future__ import annotations

import itertools
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import gevent
from locust import events, task
from locust.contrib.fasthttp import FastHttpSession, FastHttpUser
from locust.env import Environment
from locust.event import EventHook
from locust.exception import StopUser

HERE = Path(__file__).resolve().parent
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PAUSE = tuple(float(x) for x in os.environ.get("JOURNEY_PAUSE", "2,5").split(","))
#: The journey's labels, in Spanish (the identities' language), as the catalogue words them.
MY_CONTENT, WANT, MAIN_MENU = "Mi contenido", "Me interesa", "Menú principal"
VESTIBULE, DOOR = "El vestíbulo", "Solicitar la entrada"
CONTINUE, READY, CROSS = "Continuar", "Estoy listo", "Cruzar el umbral"
PACKAGE = "Selección del vestíbulo"

RIG: dict[str, Any] = {}
_rig_process: subprocess.Popen[bytes] | None = None
_rig_dir: Path | None = None
_identities = itertools.count()


class StepFailed(Exception):
    """What the user should have seen after a step is not there."""


@events.init.add_listener
def start_rig(environment: Environment, **_: Any) -> None:
    """Bring the rig up (or read a running one's JSON) before any user starts."""
    global _rig_process, _rig_dir
    given = os.environ.get("LUCIEN_RIG")
    if given:
        RIG.update(json.loads(Path(given).read_text()))
    else:
        options = environment.parsed_options
        users = max(1, int(getattr(options, "num_users", None) or 1))
        run_time = getattr(options, "run_time", None) or 180
        identities = int(
            os.environ.get("JOURNEY_IDENTITIES") or users * (math.ceil(run_time / 25) + 1)
        )
        _rig_dir = Path(tempfile.mkdtemp(prefix="lucien-journey-"))
        out = _rig_dir / "rig.json"
        command = [sys.executable, str(HERE / "journey_rig.py"), "--identities", str(identities)]
        command += ["--servers", os.environ.get("JOURNEY_SERVERS", "1")]
        _rig_process = subprocess.Popen([*command, "--out", str(out)], cwd=HERE.parent)
        deadline = time.monotonic() + 600
        while not out.exists():
            if _rig_process.poll() is not None or time.monotonic() > deadline:
                code = _rig_process.poll()
                _rig_process.terminate()
                raise SystemExit(f"the journey rig did not start (exit {code})")
            time.sleep(0.5)
        RIG.update(json.loads(out.read_text()))
    JourneyUser.host = RIG["emulator"]


ORDER = (
    "start",
    "menu",
    "package",
    "interest",
    "menu:main",
    "menu:free",
    "join_request",
    "redeem",
    "ritual:continuar",
    "ritual:listo",
    "vip:join",
)


@events.quitting.add_listener
def stop_rig(environment: Environment, **_: Any) -> None:
    """Print the journey's figures in its order, then stop the rig this file started (it
    prints the emulator's refused calls)."""
    entries = {e.name: e for e in environment.stats.entries.values()}
    print(f"\n{'step':18} {'requests':>9} {'failures':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for name in sorted(entries, key=lambda n: (ORDER.index(n) if n in ORDER else 99, n)):
        e = entries[name]
        p50, p99 = (e.get_response_time_percentile(q) for q in (0.5, 0.99))
        print(f"{name:18} {e.num_requests:9} {e.num_failures:9} {p50:8.0f} {p99:8.0f}")
    total = environment.stats.total
    print(f"{'all':18} {total.num_requests:9} {total.num_failures:9}", flush=True)
    if _rig_process is not None and _rig_process.poll() is None:
        _rig_process.send_signal(signal.SIGINT)
        try:
            _rig_process.wait(120)
        except subprocess.TimeoutExpired:
            _rig_process.kill()
    if _rig_dir is not None:
        shutil.rmtree(_rig_dir, ignore_errors=True)


class JourneyUser(FastHttpUser):
    """One person at a time: a journey per identity, then the next identity."""

    network_timeout = 120.0
    connection_timeout = 30.0

    def on_start(self) -> None:
        # The client's own bookkeeping (the emulator's world, reading the chat) goes
        # through a session that records nothing: Locust's stats hold only the steps.
        self.quiet = FastHttpSession(
            base_url=self.host, request_event=EventHook(), user=None, network_timeout=120.0
        )
        self.webhook = random.choice(RIG["webhooks"])
        self.identity: int | None = None
        self.uid = 0
        self.updates = itertools.count()
        self.seen = 0

    # -- the client's side ----------------------------------------------------------------

    def pause(self) -> None:
        gevent.sleep(random.uniform(*PAUSE))

    def rig(self, step: str, route: str, **body: Any) -> dict[str, Any]:
        """What the client records on Telegram before `step` (see journey_rig.py)."""
        response = self.quiet.post(f"/_rig/{route}", json={"user": self.uid, **body})
        if response.status_code != 200:
            self.fail_step(step, f"/_rig/{route}: {response.status_code} {response.text[:200]}")
        return dict(response.json())

    def chat(self, after: int) -> list[dict[str, Any]]:
        """The bot's messages to this user after message id `after`, as shown now."""
        path = f"/_emulator/chats/{self.uid}/messages?after={after}"
        response = self.quiet.get(path)
        if response.status_code != 200:
            raise StepFailed(f"reading the chat: {response.status_code}")
        return list(response.json()["result"])

    def run_answer(self, body: str) -> None:
        """The method in the webhook's answer runs on the emulator, as on Telegram."""
        if not body.strip().startswith("{"):
            return
        params = json.loads(body)
        method = params.pop("method", None)
        if not method:
            return
        ran = self.quiet.post(f"/bot{RIG['bot_token']}/{method}", json=params)
        if ran.status_code != 200:
            raise StepFailed(f"{method} from the webhook answer: {ran.text[:200]}")

    # -- steps ----------------------------------------------------------------------------

    def step(self, name: str, update: dict[str, Any], *, after: int, expect: Any) -> dict[str, Any]:
        """Post the update to the webhook as Telegram does (its round trip is the step's
        time), then find what the user should see among the bot's messages after `after`
        (a pressed message is edited in place: `after` is the id before it); `expect`
        tells the awaited message, the newest that matches."""
        update["update_id"] = self.uid * 1000 + next(self.updates)
        headers = {SECRET_HEADER: RIG["secret"]}
        with self.client.post(
            self.webhook, json=update, headers=headers, name=name, catch_response=True
        ) as response:
            try:
                if response.status_code != 200:
                    raise StepFailed(f"webhook answered {response.status_code}")
                self.run_answer(response.text or "")
                shown = self.chat(after)
                if shown:
                    self.seen = max(self.seen, max(m["message_id"] for m in shown))
                found = next((m for m in reversed(shown) if expect(m)), None)
                if found is None:
                    texts = [(m.get("text") or "")[:60] for m in shown]
                    raise StepFailed(f"missing reply; the chat shows {texts}")
            except StepFailed as exc:
                response.failure(str(exc))
                raise
            response.success()
        return found

    def fail_step(self, name: str, reason: str) -> None:
        """A step that could not even be sent: counted failed (0 ms) under its name."""
        self.environment.events.request.fire(
            request_type="POST",
            name=name,
            response_time=0,
            response_length=0,
            exception=StepFailed(reason),
            context={},
        )
        raise StepFailed(reason)

    def send(self, name: str, text: str, expect: Any) -> dict[str, Any]:
        update = {"message": self.rig(name, "message", text=text)["message"]}
        return self.step(name, update, after=self.seen, expect=expect)

    def press(self, name: str, message: dict[str, Any], label: str, expect: Any) -> Any:
        data = button(message, label).get("callback_data")
        if data is None:
            self.fail_step(name, f"{label!r} is not a callback button")
        query = self.rig(name, "press", message_id=message["message_id"], data=data)
        return self.step(name, query, after=message["message_id"] - 1, expect=expect)

    # -- the journey ----------------------------------------------------------------------

    def next_identity(self) -> bool:
        """A fresh person (False when none is left)."""
        index = next(_identities)
        if index >= RIG["identities"]:
            return False
        self.identity, self.uid = index, RIG["first_user"] + index
        self.updates, self.seen = itertools.count(), 0
        return True

    @task
    def journey(self) -> None:
        if not self.next_identity():
            if self.identity is None:
                raise StopUser  # not one identity left for this user
            self.returning_visit()
            return
        try:
            self.walk()
        except StepFailed:
            pass  # counted under the step's name; the next journey starts afresh

    def walk(self) -> None:
        menu = self.send("start", "/start", has(VESTIBULE))
        if button(menu, MY_CONTENT):
            self.pause()
            listing = self.press("menu", menu, MY_CONTENT, has(PACKAGE))
            self.pause()
            detail = self.press("package", listing, PACKAGE, has(WANT))
            self.pause()
            note = self.press("interest", detail, WANT, says(PACKAGE, new_after=detail))
            self.pause()
            menu = self.press("menu:main", note, MAIN_MENU, has(VESTIBULE))
        self.pause()
        vestibule = self.press("menu:free", menu, VESTIBULE, has(DOOR))
        self.pause()
        opened = self.rig("join_request", "open", link=button(vestibule, DOOR)["url"])
        if "chat_join_request" not in opened:
            self.fail_step("join_request", f"the door did not ask to join: {opened}")
        # Told at once how long the wait is (FREE_WAIT_MINUTES): a new message.
        self.step("join_request", opened, after=self.seen, expect=says("", self.seen))
        self.pause()
        token = RIG["tokens"][self.identity]
        stage_1 = self.send("redeem", f"/start {token}", has(CONTINUE))
        self.pause()
        stage_2 = self.press("ritual:continuar", stage_1, CONTINUE, has(READY))
        self.pause()
        stage_3 = self.press("ritual:listo", stage_2, READY, has(CROSS))
        self.pause()
        self.open_vip_link(button(stage_3, CROSS)["url"])
        self.pause()

    def open_vip_link(self, link: str) -> None:
        """Joining by the link: the emulator delivers chat_member and waits for the bot."""
        with self.client.post(
            "/_rig/open",
            json={"user": self.uid, "link": link},
            name="vip:join",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or not response.json().get("joined"):
                response.failure(f"not joined: {response.text[:200]}")
                raise StepFailed("vip:join")

    def returning_visit(self) -> None:
        """Identities exhausted: the last one comes back, opens the menu, looks around."""
        try:
            menu = self.send("start", "/start", lambda m: bool(buttons(m)))
            self.pause()
            first = next((b for b in buttons(menu) if "callback_data" in b), None)
            if first is None:
                self.fail_step("menu", "the greeting has no menu button")
            self.press("menu", menu, first["text"], lambda m: True)
        except StepFailed:
            pass
        self.pause()


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [b for row in rows for b in row]


def button(message: dict[str, Any], label: str) -> dict[str, Any]:
    return next((b for b in buttons(message) if b.get("text") == label), {})


def has(label: str) -> Any:
    """A message carrying the button `label`."""
    return lambda message: bool(button(message, label))


def says(words: str, new_after: dict[str, Any] | int | None = None) -> Any:
    """A message whose text has `words` (a new one, after that message or id, when
    `new_after` is given)."""
    floor = new_after["message_id"] if isinstance(new_after, dict) else (new_after or 0)
    return lambda m: words in (m.get("text") or "") and m["message_id"] > floor
