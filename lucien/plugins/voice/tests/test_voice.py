"""The renderer: variation, memory, escaping, locales, fallbacks and the plugin's hooks."""

from __future__ import annotations

import logging
import random
from collections import Counter
from datetime import UTC, datetime
from itertools import pairwise
from types import SimpleNamespace

import pytest

from lucien.core.formatting import format_date, format_minutes
from lucien.core.plugin import MessageKey
from lucien.core.voice import PlainVoice, Voice
from lucien.plugins.voice import plugin
from lucien.plugins.voice.catalogues import Catalogue, Variant
from lucien.plugins.voice.check import telegram_html_problems
from lucien.plugins.voice.services import CatalogueVoice, VoiceSettings
from lucien.plugins.voice.variation import balanced_weights

from .conftest import CatalogueRegistry, DictCache, FakeUser

HOSTILE = "<b>x</b> & <script>"
ESCAPED = "&lt;b&gt;x&lt;/b&gt; &amp; &lt;script&gt;"


def synthetic(weights: list[float], key: str = "test.key") -> tuple[dict, Catalogue]:
    messages = {key: MessageKey(key, "Plain {name}.", ("name",))}
    variants = [Variant(f"v{i}", w, index=i) for i, w in enumerate(weights)]
    return messages, Catalogue(entries={"es": {key: variants}, "en": {key: list(variants)}})


# ---------------------------------------------------------------- variation


@pytest.mark.parametrize("weights", [[1, 1, 1], [1, 2, 3, 4], [3, 3, 2, 1, 1], [5, 3, 2]])
async def test_one_user_gets_weighted_shares_and_never_the_same_twice(make_voice, weights):
    messages, cat = synthetic(weights)
    voice = make_voice(messages=messages, cat=cat, seed=1234, cache=DictCache())
    user = FakeUser(id=42)
    draws = [await voice.say("test.key", user=user) for _ in range(10_000)]
    assert all(a != b for a, b in pairwise(draws))
    counts = Counter(draws)
    total = sum(weights)
    for i, weight in enumerate(weights):
        assert abs(counts[f"v{i}"] / len(draws) - weight / total) < 0.03, (i, counts)


async def test_anonymous_draws_follow_the_weights(make_voice):
    messages, cat = synthetic([6, 3, 1])
    voice = make_voice(messages=messages, cat=cat, seed=99)
    counts = Counter([await voice.say("test.key") for _ in range(10_000)])
    for i, share in enumerate([0.6, 0.3, 0.1]):
        assert abs(counts[f"v{i}"] / 10_000 - share) < 0.03


async def test_real_greetings_never_repeat_for_a_user(make_voice):
    voice = make_voice(cache=DictCache())
    user = FakeUser(id=5)
    texts = [await voice.say("greeting.returning", user=user) for _ in range(300)]
    assert all(a != b for a, b in pairwise(texts))
    assert len(set(texts)) >= 3


async def test_users_are_remembered_separately_through_the_cache(make_voice):
    cache = DictCache()
    voice = make_voice(cache=cache)
    await voice.say("error.generic", user=FakeUser(id=1))
    await voice.say("error.generic", user=FakeUser(id=2))
    keys = {key for ns, key in cache.data if ns == "voice"}
    assert keys == {"1:es:error.generic", "2:es:error.generic"}


async def test_memory_survives_a_new_voice_through_the_cache(make_voice):
    cache = DictCache()
    user = FakeUser(id=8)
    for seed in range(30):  # a fresh voice each time, as on another replica
        voice = make_voice(cache=cache, seed=seed)
        before = cache.data.get(("voice", "8:es:error.generic"))
        await voice.say("error.generic", user=user)
        assert cache.data[("voice", "8:es:error.generic")] != before


async def test_without_a_cache_the_memory_is_local(make_voice):
    class Broken:
        async def get(self, ns, key, default=None):
            raise ConnectionError("no redis")

        async def set(self, ns, key, value):
            raise ConnectionError("no redis")

        def remember(self, ns, key, value):
            raise ConnectionError("no redis")

    voice = make_voice(cache=Broken())
    user = FakeUser(id=3)
    texts = [await voice.say("error.generic", user=user) for _ in range(50)]
    assert all(a != b for a, b in pairwise(texts))


async def test_same_seed_same_lines(make_voice):
    users = [FakeUser(id=i) for i in range(20)]
    first = [await make_voice(seed=11).say("greeting.new", user=u) for u in users]
    second = [await make_voice(seed=11).say("greeting.new", user=u) for u in users]
    assert first == second


def test_balanced_weights_keep_the_long_run_shares():
    for weights in ([1, 1, 1], [1, 2, 3, 4], [4, 3, 2, 1, 1]):
        x = balanced_weights(weights)
        s, total = sum(x), sum(weights)
        flows = [xi * (s - xi) for xi in x]
        for flow, weight in zip(flows, weights, strict=True):
            assert abs(flow / sum(flows) - weight / total) < 1e-6
    # Half or more: that variant comes every other draw, the rest keep their shares.
    x = balanced_weights([5, 3, 2])
    assert x[0] > 1e6 and abs(x[1] / x[2] - 1.5) < 1e-9


# ---------------------------------------------------------------- time of day


async def test_time_of_day_picks_fitting_lines(make_voice):
    morning = make_voice(now=datetime(2027, 3, 5, 15, 0, tzinfo=UTC))  # 9:00 in Mexico
    night = make_voice(now=datetime(2027, 3, 5, 9, 0, tzinfo=UTC))  # 3:00 in Mexico
    texts = {await morning.say("greeting.new", user=FakeUser(id=i)) for i in range(200)}
    assert any("Buenos días" in t for t in texts)
    assert not any("Buenas tardes" in t or "Buenas noches" in t for t in texts)
    texts = {await night.say("greeting.new", user=FakeUser(id=i)) for i in range(200)}
    assert not any("Buenos días" in t for t in texts)
    assert night.time_of_day() == "night"


async def test_timezone_is_configurable(make_voice):
    voice = make_voice(now=datetime(2027, 3, 5, 15, 0, tzinfo=UTC), timezone="Europe/Madrid")
    assert voice.time_of_day() == "afternoon"
    with pytest.raises(ValueError):
        VoiceSettings(timezone="Mars/Olympus_Mons")


# ---------------------------------------------------------------- escaping


@pytest.mark.parametrize("locale", ["es", "en"])
async def test_hostile_first_name_is_literal_text(make_voice, declared, locale):
    voice = make_voice()
    user = FakeUser(first_name=HOSTILE, language_code=locale)
    for key in ("greeting.new", "greeting.returning", "free.approved", "farewell.goodbye"):
        for _ in range(6):
            text = await voice.say(key, user=user)
            assert ESCAPED in text
            assert "<script>" not in text
            assert telegram_html_problems(text) == []
    plain = await PlainVoice(declared).say("greeting.new", user=user)
    assert ESCAPED in plain


async def test_context_strings_are_escaped_but_markup_of_the_line_is_kept(make_voice):
    voice = make_voice()
    text = await voice.say("vip.plan.created", user=FakeUser(), plan="<i>Oro</i>", days=30)
    assert "&lt;i&gt;Oro&lt;/i&gt;" in text and "<b>" in text
    assert telegram_html_problems(text) == []


async def test_buttons_are_plain_and_stable(make_voice):
    voice = make_voice()
    user = FakeUser(id=9, language_code="en")
    labels = {
        await voice.button("button.admins.remove", user=user, member="A & B") for _ in range(5)
    }
    assert labels == {"Remove A & B"}
    assert await voice.button("button.back", user=FakeUser()) == "« Volver"
    assert await voice.button("button.config.creator_name", user=user) == "Diana's name"


async def test_labels_follow_the_user_creator_and_time_and_fixed_ones_are_reused(make_voice):
    key = "button.test"
    messages = {key: MessageKey(key, "Plain", (), button=True)}
    cat = Catalogue(
        entries={
            "es": {
                key: [Variant("Para {name}", 1, index=0)],
                "button.creator": [Variant("De {creator}", 1, index=0)],
                "button.when": [
                    Variant("Buenos días", 1, index=0, time_of_day="morning"),
                    Variant("Buenas noches", 1, index=1),
                ],
                "button.fixed": [Variant("Volver ({n})", 1, index=0)],
            }
        }
    )
    messages.update(
        {
            k: MessageKey(k, "Plain", (), button=True)
            for k in ("button.creator", "button.when", "button.fixed")
        }
    )
    clock = {"now": datetime(2026, 1, 1, 9, tzinfo=UTC)}
    voice = make_voice(messages=messages, cat=cat, timezone="UTC")
    voice._now = lambda: clock["now"]
    assert await voice.button(key, user=FakeUser(first_name="Ana")) == "Para Ana"
    assert await voice.button(key, user=FakeUser(first_name="Luis")) == "Para Luis"
    assert await voice.button("button.creator") == f"De {voice.creator_name}"
    voice.creator_name = "Otra"
    assert await voice.button("button.creator") == "De Otra"
    morning = await voice.button("button.when")
    clock["now"] = datetime(2026, 1, 1, 23, tzinfo=UTC)
    assert (morning, await voice.button("button.when")) == ("Buenos días", "Buenas noches")
    assert await voice.button("button.fixed", n=1) == "Volver (1)"
    assert await voice.button("button.fixed", n=2) == "Volver (2)"
    # Missing its placeholder, a fixed label falls back to the plain default, which may
    # name the user: that text is never reused for someone else.
    voice.messages["button.fixed"] = MessageKey("button.fixed", "Volver, {name}", (), button=True)
    assert await voice.button("button.fixed", user=FakeUser(first_name="Ana")) == "Volver, Ana"
    assert await voice.button("button.fixed", user=FakeUser(first_name="Luis")) == "Volver, Luis"
    cat.entries["es"]["button.fixed"] = [Variant("changed", 1, index=0)]
    assert await voice.button("button.fixed", n=1) == "Volver (1)"  # reused, not re-rendered


# ---------------------------------------------------------------- locales


@pytest.mark.parametrize(
    ("code", "expected"),
    [("es", "es"), ("es-MX", "es"), ("en", "en"), ("en-US", "en"), ("EN_gb", "en"),
     ("fr", "es"), ("", "es"), (None, "es")],
)  # fmt: skip
def test_locale_from_language_code(make_voice, code, expected):
    assert make_voice().locale_for(FakeUser(language_code=code)) == expected


async def test_unknown_locale_speaks_spanish_and_the_default_is_configurable(make_voice):
    voice = make_voice()
    french = FakeUser(language_code="fr")
    assert await voice.say("error.generic", user=french, locale=None) in {
        v.text for v in voice.catalogue.variants("es", "error.generic")
    }
    assert make_voice(default_locale="en").locale_for(french) == "en"
    assert voice.locale_for(french, locale="en") == "en"


def test_dates_and_durations():
    when = datetime(2027, 3, 5, 12, tzinfo=UTC)
    assert format_date(when, "es") == "5 de marzo de 2027"
    assert format_date(when, "en") == "March 5, 2027"
    assert format_minutes(1, "es") == "1 minuto"
    assert format_minutes(90, "es") == "1 hora y 30 minutos"
    assert format_minutes(1500, "en") == "1 day and 1 hour"
    assert format_minutes(1501, "en") == "1 day, 1 hour, and 1 minute"  # CLDR's list
    assert format_minutes(0, "en") == "0 minutes"


# ---------------------------------------------------------------- fallbacks


async def test_missing_placeholder_falls_back_to_the_default(make_voice, caplog):
    voice = make_voice()
    with caplog.at_level(logging.WARNING, logger="lucien.voice"):
        text = await voice.say("config.channel.vip.set", user=FakeUser())
    assert text == "VIP channel set: {channel}."
    assert any("missing placeholders channel" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "template", ["Hola {nombre}", "Hola {name", "Hola {name.__class__}", "{name:xx}"]
)
async def test_broken_variant_falls_back_to_the_default(make_voice, template, caplog):
    messages = {"t.k": MessageKey("t.k", "Hello, {name}.", ("name",))}
    cat = Catalogue(entries={"es": {"t.k": [Variant(template)]}})
    voice = make_voice(messages=messages, cat=cat)
    with caplog.at_level(logging.WARNING, logger="lucien.voice"):
        assert (
            await voice.say("t.k", user=FakeUser(first_name="Ana & Bo")) == "Hello, Ana &amp; Bo."
        )
    assert caplog.records


async def test_unknown_key_is_logged_and_returned(make_voice, caplog):
    with caplog.at_level(logging.WARNING, logger="lucien.voice"):
        assert await make_voice().say("no.such.key", user=FakeUser()) == "no.such.key"
    assert "never declared" in caplog.records[0].getMessage()


async def test_key_without_catalogue_entry_uses_the_default(make_voice, declared):
    messages = dict(declared) | {"new.key": MessageKey("new.key", "New for {name}.", ("name",))}
    voice = make_voice(messages=messages)
    assert await voice.say("new.key", user=FakeUser(first_name="Ana")) == "New for Ana."


async def test_plain_voice_and_lucien_differ_on_start(make_voice, declared):
    user = FakeUser(first_name="Ana")
    plain = await PlainVoice(declared).say("greeting.new", user=user)
    assert plain == "Welcome, Ana. Choose an option from the menu below."
    lucien = await make_voice().say("greeting.new", user=user)
    assert lucien != plain and "Ana" in lucien and "Diana" in lucien


async def test_creator_name_is_configurable_and_has_a_hook_point(make_voice):
    voice = make_voice(creator_name="Selene")
    assert "Selene" in await voice.say("greeting.new", user=FakeUser())

    async def from_bot_config() -> str:
        return "Aurora"

    voice.creator_source = from_bot_config
    assert "Aurora" in await voice.say("greeting.new", user=FakeUser())


# ---------------------------------------------------------------- the plugin's hooks


def test_plugin_hooks(declared, monkeypatch):
    monkeypatch.setenv("VOICE_CREATOR_NAME", "Selene")
    model = plugin.lucien_settings_model()
    assert model().creator_name == "Selene" and model().default_locale == "es"
    (namespace,) = plugin.lucien_cache_namespaces()
    assert namespace.name == "voice" and namespace.ttl >= 86400
    # It renders the keys of others; its own only name its settings on the config screens.
    assert {m.key.split(".")[-1] for m in plugin.lucien_messages()} <= {
        "voice_creator_id",
        "prompt",
        "set",
        "unseen",  # saved, but an account the bot never saw
        "not_admin",  # saved, but no custodian's: not greeted as the lady of the house
        "invalid",
    }


async def test_lucien_voice_builds_a_voice_from_the_context(declared):
    cache = DictCache()
    ctx = SimpleNamespace(
        plugin_settings=lambda name: VoiceSettings(creator_name="Selene", seed=3),
        cache=cache,
        clock=SimpleNamespace(now=lambda: datetime(2027, 3, 5, 15, tzinfo=UTC)),
        registry=CatalogueRegistry(),
    )
    voice = plugin.lucien_voice(ctx, declared)
    assert isinstance(voice, CatalogueVoice) and isinstance(voice, Voice)
    text = await voice.say("greeting.returning", user=FakeUser(id=77))
    assert "{" not in text and cache.data


async def test_only_the_enabled_plugins_catalogues_are_rendered(declared):
    """The voice gathers catalogues through the registry (enabled plugins only): a key of
    a plugin whose catalogue was not gathered reads as its plain default."""
    ctx = SimpleNamespace(
        plugin_settings=lambda name: None, cache=DictCache(), registry=CatalogueRegistry({"core"})
    )
    voice = plugin.lucien_voice(ctx, declared)
    assert voice.catalogue.providers["es"]["greeting.new"] == "core"
    assert "vip.redeemed" not in voice.catalogue.keys("es")
    user = FakeUser(first_name="Ana")
    greeting = await voice.say("greeting.new", user=user)
    assert "Ana" in greeting and not greeting.startswith("Welcome")
    assert await voice.say("vip.plan.created", user=user, plan="Oro", days=30) == (
        "Plan created: Oro, 30 days."
    )


async def test_lucien_voice_without_state_remembers_locally(declared):
    class NoState:
        registry = CatalogueRegistry()

        def plugin_settings(self, name):
            return None

        @property
        def cache(self):
            raise AttributeError("state not ready")

    voice = plugin.lucien_voice(NoState(), declared)
    voice.rng = random.Random(1)
    texts = [await voice.say("error.generic", user=FakeUser(id=1)) for _ in range(20)]
    assert all(a != b for a, b in pairwise(texts))
