"""Every counted message agrees with its number, in Spanish and English, for 0, 1, 2 and 5.

`PHRASES` names, for every placeholder of every declared key that holds a count, the
words that agree with it in each locale: pairs of (form for one, form for the others),
`#` standing for the number. Each line of the catalogue is rendered through the real
`CatalogueVoice`: at least one of the pairs must read right, and none may read wrong
("1 días", "le quedan 1", "Serán 1"). A pair whose two forms are the same is a wording in
which nothing agrees ("Intereses · # por atender", beside "# interés pendiente"): it reads
right, never wrong. `None` says the words around the number do not change with it in any
line ("{sent} de ...", "5 failed"); the number must still be shown.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import pytest

from lucien.core.formatting import Money
from lucien.core.plugin import MessageKey
from lucien.core.voice import PlainVoice
from lucien.plugins.voice.catalogues import Catalogue
from lucien.plugins.voice.services import LOCALES

from .conftest import FakeUser

Pairs = list[tuple[str, str]] | None

# Context names that hold a count (ids, durations already written as text, and dates don't).
COUNTS = {
    "days", "days_left", "count", "sent", "total", "failed", "passed", "warned", "minutes",
    "current_minutes", "wait_minutes", "minutes_left", "max_minutes", "max_days", "max",
    "pending", "skipped", "done", "depth", "hits", "lookups", "left", "blocked",
    "week", "month",
}  # fmt: skip
NUMBERS = (0, 1, 2, 5)

DAYS: dict[str, Pairs] = {"es": [("# día", "# días")], "en": [("# day", "# days")]}
MINUTES: dict[str, Pairs] = {
    "es": [("# minuto", "# minutos")],
    "en": [("# minute", "# minutes")],
}
SAME: dict[str, Pairs] = {"es": None, "en": None}  # nothing agrees with it, or a bound to type
PEOPLE: dict[str, Pairs] = {
    "es": [("# persona", "# personas"), ("# destinatario", "# destinatarios"), ("Será #", "Serán #")],
    "en": [("# person", "# people"), ("# recipient", "# recipients")],
}  # fmt: skip
INVITATIONS: dict[str, Pairs] = {
    "es": [("# invitación", "# invitaciones"), ("canjeable", "canjeables")],
    "en": [("# invitation", "# invitations")],
}
DAYS_LEFT: dict[str, Pairs] = {
    "es": [("# día", "# días"), ("le queda #", "le quedan #")],
    "en": [("# day", "# days")],
}
PACKAGES: dict[str, Pairs] = {
    "es": [("# paquete", "# paquetes"), ("Un paquete", "# paquetes")],
    "en": [("# package", "# packages"), ("One package", "# packages")],
}
REQUESTS: dict[str, Pairs] = {
    "es": [("# solicitud", "# solicitudes")],
    "en": [("# request", "# requests")],
}
PENDING: dict[str, Pairs] = {"es": [("# pendiente", "# pendientes")], "en": None}
CHARACTERS: dict[str, Pairs] = {
    "es": [("# carácter", "# caracteres")],
    "en": [("# character", "# characters")],
}

PHRASES: dict[tuple[str, str], dict[str, Pairs]] = {
    ("config.wait_time.prompt", "current_minutes"): MINUTES,
    ("config.wait_time.set", "minutes"): MINUTES,
    ("config.wait_time.invalid", "max_minutes"): SAME,
    ("config.social.set", "count"): {
        "es": [
            ("# red social guardada", "# redes sociales guardadas"),
            ("# red guardada", "# redes guardadas"),
        ],
        "en": None,  # "Social links saved: 2."
    },
    ("publish.broadcast.preview", "count"): PEOPLE,
    ("publish.audience.active", "days"): {
        "es": [("el último día", "los últimos # días")],
        "en": [("the last day", "the last # days")],
    },
    ("publish.broadcast.progress", "sent"): {"es": [("# enviado", "# enviados")], "en": None},
    ("publish.broadcast.progress", "total"): SAME,
    ("publish.broadcast.progress", "blocked"): {
        "es": [("# bloqueado", "# bloqueados")],
        "en": None,
    },
    ("publish.broadcast.progress", "failed"): {"es": [("# fallido", "# fallidos")], "en": None},
    ("publish.broadcast.progress", "left"): {"es": [("queda #", "quedan #")], "en": None},
    ("publish.broadcast.paused", "sent"): {"es": [("# enviado", "# enviados")], "en": None},
    ("publish.broadcast.paused", "total"): SAME,
    ("publish.broadcast.paused", "blocked"): {"es": [("# bloqueado", "# bloqueados")], "en": None},
    ("publish.broadcast.paused", "failed"): {"es": [("# fallido", "# fallidos")], "en": None},
    ("publish.broadcast.paused", "left"): {"es": [("espera #", "esperan #")], "en": None},
    ("publish.broadcast.done", "sent"): {"es": [("# enviado", "# enviados")], "en": None},
    ("publish.broadcast.done", "total"): SAME,
    ("publish.broadcast.done", "blocked"): {"es": [("# bloqueado", "# bloqueados")], "en": None},
    ("publish.broadcast.done", "failed"): {"es": [("# fallido", "# fallidos")], "en": None},
    ("publish.broadcast.cancelled", "sent"): {"es": [("# enviado", "# enviados")], "en": None},
    ("publish.broadcast.cancelled", "total"): SAME,
    ("publish.broadcast.cancelled", "blocked"): {
        "es": [("# bloqueado", "# bloqueados")],
        "en": None,
    },
    ("publish.broadcast.cancelled", "failed"): {"es": [("# fallido", "# fallidos")], "en": None},
    ("publish.broadcast.cancelled", "left"): {"es": [("# se queda", "# se quedan")], "en": None},
    ("vip.menu", "days_left"): DAYS_LEFT,
    ("vip.redeemed", "days"): DAYS,
    ("vip.reminder", "days_left"): DAYS_LEFT,
    ("vip.plan.invalid_days", "max_days"): SAME,
    ("vip.plan.created", "days"): DAYS,
    ("vip.plan.edited", "days"): DAYS,
    ("vip.plan.detail", "days"): DAYS,
    ("vip.plan.detail_free", "days"): DAYS,
    ("vip.plan.edit.prompt_days", "days"): DAYS,
    ("vip.plan.line", "days"): DAYS,
    ("vip.plan.line_free", "days"): DAYS,
    ("vip.token.generated", "days"): DAYS,
    ("vip.token.prompt_count", "max"): SAME,
    ("vip.token.invalid_count", "max"): SAME,
    ("vip.token.batch", "count"): INVITATIONS,
    ("vip.token.batch", "days"): DAYS,
    ("vip.token.csv", "count"): INVITATIONS,
    ("vip.token.csv", "days"): DAYS,
    # the entry ritual's link: "válido durante 24 horas"
    ("vip.ritual.delivery", "left"): {"es": [("# hora", "# horas")], "en": [("# hour", "# hours")]},
    ("free.request.received", "wait_minutes"): MINUTES,
    ("free.request.received_no_links", "wait_minutes"): MINUTES,
    ("free.request.pending", "minutes_left"): MINUTES,
    ("free.menu", "wait_minutes"): MINUTES,
    ("diagnostics.report.header", "passed"): SAME,  # "en orden", "in order"
    ("diagnostics.report.header", "warned"): {
        "es": [("# aviso", "# avisos")],
        "en": [("# warning", "# warnings")],
    },
    ("diagnostics.report.header", "failed"): {
        "es": [("# fallo", "# fallos")],
        "en": [("# failure", "# failures")],
    },
    ("diagnostics.tests.passed", "passed"): {
        "es": [("# prueba correcta", "# pruebas correctas"), ("# correcta", "las # correctas")],
        "en": [("# test passed", "# tests passed"), ("# test passed", "all # passed")],
    },
    ("diagnostics.tests.failed", "failed"): {"es": [("# fallida", "# fallidas")], "en": None},
    ("diagnostics.tests.failed", "passed"): {"es": [("# correcta", "# correctas")], "en": None},
    ("diagnostics.report.migration", "pending"): {
        "es": [("# pendiente", "# pendientes")],
        "en": None,
    },
    ("diagnostics.report.webhook", "pending"): {
        "es": [("# actualización", "# actualizaciones")],
        "en": [("# update", "# updates")],
    },
    ("diagnostics.report.cache", "hits"): SAME,
    ("diagnostics.report.cache", "lookups"): SAME,
    ("diagnostics.report.job", "depth"): SAME,
    ("diagnostics.tests.progress", "done"): SAME,
    ("diagnostics.tests.progress", "total"): {
        "es": [("# complemento", "# complementos")],
        "en": [("# plugin", "# plugins")],
    },
    ("diagnostics.tests.skipped", "skipped"): {"es": [("# omitida", "# omitidas")], "en": None},
    # admin
    ("users.results", "count"): PEOPLE,
    ("card.more", "count"): SAME,  # "… y 5 más"
    ("stats.people.users", "count"): SAME,  # "Usuarios: 5"
    ("stats.people.admins", "count"): SAME,
    ("stats.people.active", "count"): SAME,
    ("stats.people.active", "days"): {
        "es": [("en el último día", "en los últimos # días")],
        "en": [("in the last day", "in the last # days")],
    },
    # vip
    ("button.vip.card.plan", "days"): DAYS,
    ("vip.card.active", "days_left"): DAYS_LEFT,
    ("vip.card.confirm.extend", "days"): {
        "es": [("# día", "# días")],
        "en": [("# day", "# days"), ("# more day", "# more days")],
    },
    ("vip.card.confirm.grant", "days"): DAYS,
    ("vip.card.days.grant", "max_days"): SAME,
    ("vip.card.days.extend", "max_days"): SAME,
    ("vip.card.tokens", "count"): SAME,  # "Invitaciones canjeadas: 5."
    ("vip.history.renew.admin", "days"): DAYS,
    ("vip.stats.active", "count"): SAME,
    ("vip.stats.expiring", "count"): SAME,
    ("vip.stats.lapses", "count"): SAME,
    ("vip.stats.renewals", "count"): SAME,
    ("vip.stats.new", "count"): SAME,  # "Nuevos VIP: 5 en 7 días"
    ("vip.stats.new", "total"): SAME,
    ("vip.stats.tokens", "total"): {"es": [("# generada", "# generadas")], "en": None},
    ("vip.stats.tokens", "done"): {"es": [("# canjeada", "# canjeadas")], "en": None},
    ("vip.stats.tokens", "pending"): SAME,  # "5 sin usar", "5 unused"
    ("vip.subs.active", "count"): SAME,
    ("vip.subs.expiring", "count"): SAME,
    ("vip.subs.expired", "count"): SAME,
    ("vip.subs.plan", "count"): SAME,
    ("vip.subs.csv", "count"): {
        "es": [("# miembro", "# miembros")],
        "en": [("# member", "# members")],
    },
    # free
    ("free.card.more", "count"): {
        "es": [("# solicitud más", "# solicitudes más")],
        "en": [("# more request", "# more requests")],
    },
    ("free.card.requests", "count"): REQUESTS,
    ("free.queue.all_done", "count"): {
        # At 0 the line says so in words ("ninguna solicitud", "no request was left").
        "es": [
            ("# solicitud aprobada", "# solicitudes aprobadas"),
            ("# solicitud aprobada", "ninguna solicitud"),
        ],
        "en": [
            ("# request approved", "# requests approved"),
            ("# request approved", "request was left"),
        ],
    },
    ("free.queue.all_left", "count"): {
        "es": [
            ("# solicitud aprobada", "# solicitudes aprobadas"),
            ("# solicitud aprobada", "Ninguna aprobada"),
            ("# solicitud aprobada", "ninguna aprobada"),
        ],
        "en": [
            ("# request approved", "# requests approved"),
            ("# request approved", "None approved"),
            ("# request approved", "none approved"),
        ],
    },
    ("free.queue.all_left", "left"): {
        "es": [("# más sigue", "# más siguen"), ("Queda # más", "Quedan # más")],
        "en": [("# more is", "# more are"), ("# more remains", "# more remain")],
    },
    ("free.queue.confirm_all", "count"): {
        "es": [("la # solicitud", "las # solicitudes")],
        "en": [
            ("# pending request", "# pending requests"),
            ("# request waiting", "# requests waiting"),
        ],
    },
    ("free.queue.header", "count"): {
        "es": [
            ("# solicitud espera", "# solicitudes esperan"),
            ("Aguarda # solicitud", "Aguardan # solicitudes"),
        ],
        "en": [
            ("# request awaits its", "# requests await their"),
            ("# request waits", "# requests wait"),
        ],
    },
    ("free.stats.pending", "count"): SAME,  # "Solicitudes pendientes: 5"
    # content
    ("content.admin.list", "count"): PACKAGES,
    ("content.list.free", "count"): PACKAGES,
    ("content.list.vip", "count"): PACKAGES,
    ("content.card.more", "count"): SAME,
    ("content.card.title", "pending"): PENDING,
    ("content.card.title", "total"): SAME,  # "5 en total"
    ("content.inbox.count_line", "pending"): PENDING,
    ("content.inbox.count_line", "total"): SAME,
    ("content.user.card", "pending"): PENDING,
    ("content.user.card", "total"): SAME,
    ("content.user.card_unknown", "pending"): PENDING,
    ("content.user.card_unknown", "total"): SAME,
    ("content.inbox.attended", "count"): {
        "es": [("# interés atendido", "# intereses atendidos")],
        "en": [("# attended interest", "# attended interests")],
    },
    ("content.inbox.pending", "count"): {
        "es": [
            ("# interés pendiente", "# intereses pendientes"),
            ("# por atender", "# por atender"),
        ],
        "en": [("# pending interest", "# pending interests"), ("# to attend to", "# to attend to")],
    },
    ("content.stats.attended", "count"): SAME,  # "Intereses atendidos: 5 (...)"
    ("content.stats.pending", "count"): SAME,
    ("content.stats.pending", "week"): {"es": [("# llegado", "# llegados")], "en": None},
    ("content.stats.pending", "month"): SAME,  # "..., 5 en los últimos 30"
    ("content.stats.attended", "week"): SAME,  # "(5 en los últimos 7 días, ...)"
    ("content.stats.attended", "month"): SAME,
    ("free.stats.approved", "week"): SAME,  # "Miembros aprobados: 5 en 7 días"
    ("free.stats.approved", "month"): SAME,
    ("content.form.name", "max"): SAME,  # "hasta 40 caracteres"
    ("content.form.description", "max"): SAME,
    ("content.form.invalid_name", "max"): SAME,
    ("content.form.invalid_description", "max"): SAME,
    # publish: channel posts
    ("publish.stats.sent", "week"): SAME,  # "Publicaciones: 5 en 7 días, 5 en 30"
    ("publish.stats.sent", "month"): SAME,
    ("publish.stats.reactions", "count"): SAME,  # "Reacciones recibidas: 5"
    ("publish.stats.top", "count"): {
        "es": [("# reacción", "# reacciones")],
        "en": [("# reaction", "# reactions")],
    },
    ("config.reactions.too_many", "max"): SAME,  # "Como mucho 8 emoji"
    ("config.reactions.too_many", "count"): SAME,  # "he contado 9"
    # core: error alerts ("Occurrences since the last note: 5"), Telegram's waiting updates
    ("alert.handler_failed", "count"): SAME,
    ("alert.job_failed", "count"): SAME,
    ("alert.plugin_failed", "count"): SAME,
    ("alert.dependency_down", "count"): SAME,
    ("alert.webhook_error", "count"): SAME,
    ("alert.webhook_error", "pending"): {
        "es": [("# actualización en espera", "# actualizaciones en espera")],
        "en": [("# update waiting", "# updates waiting")],
    },
    ("diagnostics.tests.more_failures", "count"): {
        "es": [("# fallo más", "# fallos más")],
        "en": [("# more failure", "# more failures")],
    },
    # dashboard: how long the link lasts
    ("dashboard.link", "minutes"): MINUTES,
    # diagnostics: the statements a profile saw ("12 consultas SQL", "3 veces")
    ("diagnostics.profile.statements", "count"): {
        "es": [("# consulta SQL", "# consultas SQL"), ("# vez", "# veces")],
        "en": [("# SQL statement", "# SQL statements"), ("# time", "# times")],
    },
    ("diagnostics.profile.statement", "count"): {
        "es": [("# vez", "# veces")],
        "en": [("# run", "# runs")],
    },
    # free: the vestibule screen of someone waiting
    ("free.menu_pending", "minutes_left"): MINUTES,
    # admin: a text's length, what a generic prompt expects, why a value is refused
    ("config.welcome.prompt", "max"): CHARACTERS,
    ("config.welcome_en.prompt", "max"): CHARACTERS,
    ("config.text.too_long", "count"): CHARACTERS,
    ("config.text.too_long", "max"): CHARACTERS,
    ("config.expect.text_max", "max"): CHARACTERS,
    ("config.expect.int_range", "max"): SAME,  # "de 0 a 5"
    ("config.expect.emoji", "max"): SAME,  # "de 1 a 5 emoji"
    ("config.reason.range", "max"): SAME,
    ("config.reason.at_most", "max"): SAME,
    ("config.reason.emoji_too_many", "max"): SAME,  # "trae 5 emoji, y admito 5"
    ("config.reason.emoji_too_many", "count"): SAME,
    ("config.interest_window.prompt", "current_minutes"): MINUTES,
    ("config.interest_window.set", "minutes"): MINUTES,
}


DATE_FORMAT = re.compile(r"\{(\w+):(?:date|datetime|time)\}")


def counted(declared: dict[str, MessageKey]) -> dict[str, list[str]]:
    """Every declared key with a count in its context, and those placeholders."""
    found: dict[str, list[str]] = {}
    for key, message in sorted(declared.items()):
        names = [name for name in message.context if name in COUNTS]
        if names:
            found[key] = names
    return found


def context_for(message: MessageKey, n: int, line: str = "") -> dict[str, object]:
    """Every counted placeholder set to `n`; plausible values for the rest (a date where
    the default or `line` formats one as a date, or its name says so)."""
    dates = {"end_date", "expires", "when"} | set(DATE_FORMAT.findall(message.default + line))
    context: dict[str, object] = {}
    for name in message.context:
        if name in COUNTS:
            context[name] = n
        elif name in dates:
            context[name] = datetime(2027, 3, 5, 18, 30, tzinfo=UTC)
        elif name == "price":
            context[name] = Money.from_minor(999, "USD")
        elif name != "name":
            context[name] = name
    return context


def reads(phrase: str, n: int, text: str) -> bool:
    """Whether `text` holds `phrase` (its `#` the number) as whole words."""
    wanted = re.escape(phrase.replace("#", str(n)))
    return re.search(rf"(?<!\w){wanted}(?!\w)", text) is not None


def plain_text(html_text: str) -> str:
    """What the user reads: Telegram's HTML without its tags."""
    return re.sub(r"<[^>]+>", "", html_text)


def test_the_table_names_every_counted_placeholder(declared):
    expected = {(key, name) for key, names in counted(declared).items() for name in names}
    assert set(PHRASES) == expected, (
        f"add to PHRASES: {sorted(expected - set(PHRASES))}; "
        f"no longer declared: {sorted(set(PHRASES) - expected)}"
    )


@pytest.mark.parametrize("locale", LOCALES)
async def test_every_counted_line_agrees_with_its_number(
    make_voice, declared, catalogue, locale, caplog
):
    checked = 0
    for key, names in counted(declared).items():
        message = declared[key]
        for variant in catalogue.variants(locale, key):
            # The real voice over this one line, so that every line is read.
            voice = make_voice(cat=Catalogue(entries={locale: {key: [variant]}}))
            for n in NUMBERS:
                caplog.clear()
                with caplog.at_level(logging.WARNING, logger="lucien.voice"):
                    said = await voice.say(
                        key,
                        user=FakeUser(language_code=locale),
                        **context_for(message, n, variant.text),
                    )
                where = f"{locale}:{key}#{variant.index} n={n}"
                assert not caplog.records, f"{where}: {caplog.records[0].getMessage()}"
                text = plain_text(said)
                for name in names:
                    pairs = PHRASES[(key, name)][locale]
                    if pairs is None:
                        assert reads("#", n, text), f"{where}: {name} not shown in {text!r}"
                        continue
                    right = [one if n == 1 else other for one, other in pairs]
                    wrong = [other if n == 1 else one for one, other in pairs if one != other]
                    assert any(reads(p, n, text) for p in right), f"{where}: {text!r}"
                    assert not any(reads(p, n, text) for p in wrong), f"{where}: {text!r}"
                checked += 1
    assert checked > 100  # every line of every counted key, four numbers each


@pytest.mark.parametrize(
    ("n", "networks"),
    [(0, "0 redes"), (1, "1 red"), (2, "2 redes"), (5, "5 redes")],
)
async def test_saved_networks_in_spanish(make_voice, n, networks):
    """The issue's own example, through the whole voice and both its variants."""
    voice = make_voice()
    texts = {await voice.say("config.social.set", user=FakeUser(id=9), count=n) for _ in range(6)}
    saved = "guardada" if n == 1 else "guardadas"
    assert texts == {
        f"{networks} {'social' if n == 1 else 'sociales'} {saved}.",
        f"Hecho: {networks} {saved}. Los visitantes sabrán dónde más encontrar a Diana.",
    }


SINGULAR_AFTER_MANY = re.compile(
    r"\b[025] (day|minute|token|user|message|warning|failure|plugin|update|test)\b"
)
PLURAL_AFTER_ONE = re.compile(
    r"\b1 (days|minutes|tokens|users|messages|warnings|failures|plugins|updates|tests)\b"
)


async def test_plain_defaults_count_in_english_too(declared, caplog):
    """Without the voice plugin, the defaults use the same plural syntax."""
    voice = PlainVoice(declared)
    for key in counted(declared):
        for n in NUMBERS:
            with caplog.at_level(logging.WARNING, logger="lucien.voice"):
                text = await voice.say(key, user=FakeUser(), **context_for(declared[key], n))
            assert "{" not in text, text
            bad = PLURAL_AFTER_ONE if n == 1 else SINGULAR_AFTER_MANY
            assert not bad.search(text), f"{key} n={n}: {text!r}"
    assert not caplog.records, [r.getMessage() for r in caplog.records]
    assert await voice.say("vip.plan.created", plan="Oro", days=1) == "Plan created: Oro, 1 day."
    expires = datetime(2027, 3, 5, 18, 30, tzinfo=UTC)
    assert await voice.say("vip.token.csv", plan="Oro", days=30, count=1, expires=expires) == (
        "1 token for Oro (30 days), redeemable until March 5, 2027, in this file."
    )
