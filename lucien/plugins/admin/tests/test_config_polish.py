"""The configuration screens as a custodian lives them (issue 20, item 5), in Spanish and
English, with the real plugins and a stand-in one ("gadget") whose settings have no
lines of their own:

- every setting is named in the admin's language, never by its internal key; one
  without a label of its own is "Ajuste 1 · gadget", asked for with what is expected;
- every prompt has Cancel and shows the value in force, quoted and cut when long;
- a refusal says what is wrong in the admin's language and quotes the input short and
  escaped; nothing ever fails for length (the emulator's log has no 400);
- social links after commas, semicolons, spaces or new lines; http:// refused as such;
- a welcome of 5,000 characters refused with the limit named; one per language;
- one channel cannot be both the VIP and the free one.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint
from typing import Any

import pytest
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from lucien.core.plugin import PluginInfo, hookimpl
from lucien.plugins.admin.services import WELCOME_MAX


class GadgetSettings(BaseSettings):
    """Settings a third-party plugin marks editable without naming them."""

    model_config = SettingsConfigDict(env_prefix="GADGET_", extra="ignore")
    speed: int = Field(
        3, ge=1, le=9, json_schema_extra={"lucien": {"editable": True, "kind": "int"}}
    )
    motto: str = Field(
        "", max_length=100, json_schema_extra={"lucien": {"editable": True, "kind": "text"}}
    )


class Gadget:
    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="gadget", version="1.0.0")

    @hookimpl
    def lucien_settings_model(self) -> type[BaseSettings]:
        return GadgetSettings


gadget = Gadget()


def _ep(name: str, value: str) -> EntryPoint:
    return EntryPoint(name, value, "lucien.plugins")


REAL = ["admin", "voice", "free", "vip", "content", "publish"]
ENTRY_POINTS = [_ep(name, f"lucien.plugins.{name}:plugin") for name in REAL]
ENTRY_POINTS.append(_ep("gadget", f"{__name__}:gadget"))
pytestmark = pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=[*REAL, "gadget"])

# What each Spanish prompt shows as the value in force, before anything is saved.
SPANISH_CURRENT = {
    "Ventana de interés": "Ahora mismo: 5 minutos",
    "Canal gratuito": "Ahora mismo no tiene ningún valor.",
    "Tiempo de espera": "Ahora mismo: 5 minutos",
    "Redes sociales": "Ahora mismo no tiene ningún valor.",
    "Mostrar la espera": "Ahora mismo: Sí",
    "Nombre del canal gratuito": "Ahora mismo: «el vestíbulo»",
    "Nombre del canal gratuito · inglés": "Ahora mismo: «the vestibule»",
    "Ajuste 1 · gadget": "Ahora mismo: «3»",
    "Ajuste 2 · gadget": "Ahora mismo no tiene ningún valor.",
    "Reacciones del Diván": "Ahora mismo: 🔥 ❤️ 😍",
    "Reacciones del vestíbulo": "Ahora mismo: 🔥 ❤️ 😍",
    "Canal VIP": "Ahora mismo no tiene ningún valor.",
    "Nombre del canal VIP": "Ahora mismo: «el Diván»",
    "Nombre del canal VIP · inglés": "Ahora mismo: «the Divan»",
    "Nombre de los miembros VIP": "Ahora mismo: «el círculo exclusivo»",
    "Nombre de los miembros VIP · inglés": "Ahora mismo: «the exclusive circle»",
    "Nombre de Diana": "Diana",
    "Zona horaria": "Ahora mismo: America/Mexico_City",
    "La cuenta de Diana": "Ahora mismo no tiene ningún valor.",
    "Bienvenida gratuita · español": "Ahora mismo no tiene ningún valor.",
    "Bienvenida gratuita · inglés": "Ahora mismo no tiene ningún valor.",
    "Bienvenida VIP · español": "Ahora mismo no tiene ningún valor.",
    "Bienvenida VIP · inglés": "Ahora mismo no tiene ningún valor.",
}


def failed_calls(harness: Any) -> list[Any]:
    """Every Bot API call the emulator refused as a bad request (a text too long...)."""
    return [c for c in harness.emulator.calls if c.status == 400]


async def value(harness: Any, plugin: str, key: str) -> Any:
    return getattr(await harness.ctx.config.get(plugin), key)


async def open_setting(actor: Any, label: str) -> Any:
    await actor.send("/config")
    await actor.click(label)
    return actor.last


async def test_every_setting_is_named_and_asked_for_in_spanish(harness: Any) -> None:
    diana = harness.admin("Diana", language_code="es")
    await harness.start_app()
    await diana.send("/config")
    labels = [row[0] for row in diana.last.buttons]
    assert labels == [*SPANISH_CURRENT, "« Volver"]  # by plugin, the admin plugin's own last
    assert not any("." in label and "_" in label for label in labels)  # no "free.show_wait"

    for label, current in SPANISH_CURRENT.items():
        prompt = await open_setting(diana, label)
        assert current in prompt.text, (label, prompt.text)
        yes_no = [["Sí", "No"]] if label == "Mostrar la espera" else []
        assert prompt.buttons == [*yes_no, ["Cancelar"]], label
        await diana.click("Cancelar")
        assert diana.last.text in {
            "Cancelado. Nada ha cambiado.",
            "Como usted diga: lo dejo todo como estaba.",
        }

    # A setting without lines of its own says what it expects, in Spanish.
    prompt = await open_setting(diana, "Ajuste 1 · gadget")
    assert "<b>Ajuste 1 · gadget</b>: un número entero, de 1 a 9." in prompt.html
    await diana.send("12")
    assert diana.last.text == (
        "Me temo que «12» no es admisible para Ajuste 1 · gadget: ha de estar entre 1 y 9. "
        "No se ha cambiado nada; puede intentarlo de nuevo o cancelar."
    )
    await diana.send("7")
    assert diana.last.text == "Muy bien. Ajuste 1 · gadget queda establecido en «7»."
    assert await value(harness, "gadget", "speed") == 7
    prompt = await open_setting(diana, "Ajuste 2 · gadget")
    assert "un texto de 100 caracteres como máximo" in prompt.text
    await diana.send("x" * 101)
    assert diana.last.text.startswith(
        "Me temo que ese texto es demasiado extenso: tiene 101 caracteres, y «Ajuste 2 · gadget» "
        "admite 100 caracteres como máximo."
    )
    assert diana.last.buttons == [["Cancelar"]]
    assert await value(harness, "gadget", "motto") == ""

    # The value now in force is what the prompt quotes; a long one is cut.
    channel = harness.emulator.create_channel("Salón", username="salon_vip")
    await open_setting(diana, "Canal VIP")
    await diana.forward_from(channel.id, "una publicación")
    prompt = await open_setting(diana, "Canal VIP")
    assert "Ahora mismo: «Salón (@salon_vip)»" in prompt.text
    await diana.click("Cancelar")
    await open_setting(diana, "Bienvenida VIP · español")
    await diana.send("Bienvenido al Diván. " * 30)
    prompt = await open_setting(diana, "Bienvenida VIP · español")
    assert "Ahora mismo: «Bienvenido al Diván. Bienvenido" in prompt.text
    assert "…»" in prompt.text and len(prompt.text) < 600
    assert failed_calls(harness) == []


async def test_refusals_say_what_is_wrong_in_spanish_without_echoing(harness: Any) -> None:
    diana = harness.admin("Diana", language_code="es")
    bruno = harness.admin("Bruno", language_code="es")
    await harness.start_app()
    await open_setting(diana, "Tiempo de espera")
    await diana.send("<b>" + "x" * 5000)
    refusal = diana.last.text
    assert refusal.startswith("«<b>xxxx")  # quoted literally (escaped), and cut
    assert "…» no es un tiempo de espera válido" in refusal and len(refusal) < 250
    await diana.send("99999")
    assert diana.last.text.startswith("«99999» no es un tiempo de espera válido")
    assert diana.last.text.endswith("de 0 a 10080.")
    assert await value(harness, "free", "wait_minutes") == 5
    await diana.click("Cancelar")

    # Social links: an http:// link refused as such, nothing saved; then every separator.
    prompt = await open_setting(diana, "Redes sociales")
    assert "una por línea, o separadas por comas o espacios" in prompt.text
    assert (
        "solo https://" in prompt.text
        and "@usuario, que es un nombre de usuario de Telegram" in prompt.text
    )
    await diana.send("https://instagram.com/diana, http://tiktok.com/@diana")
    assert diana.last.text.startswith(
        "«http://tiktok.com/@diana» empieza por http://, y solo admito enlaces https://"
    )
    assert "only" not in diana.last.text and "instagram" not in diana.last.text
    await diana.send("https://instagram.com/diana, tiktok.com/diana")
    assert diana.last.text.startswith("«tiktok.com/diana» no es un enlace válido.")
    assert await value(harness, "free", "social_links") == []
    await diana.send(
        "https://instagram.com/diana,https://tiktok.com/@diana; @diana_tg\nhttps://x.com/diana"
    )
    assert "4 redes" in diana.last.text
    assert await value(harness, "free", "social_links") == [
        "https://instagram.com/diana",
        "https://tiktok.com/@diana",
        "@diana_tg",
        "https://x.com/diana",
    ]

    # Two custodians: the one who lost is told the value in force, by the setting's name.
    await open_setting(diana, "Mostrar la espera")
    await open_setting(bruno, "Mostrar la espera")
    await diana.send("0")
    await bruno.send("1")
    assert "El valor vigente de Mostrar la espera es: No" in bruno.last.text
    assert "show_wait" not in bruno.last.text
    assert await value(harness, "free", "show_wait") == 0
    assert failed_calls(harness) == []


async def test_an_english_custodian_reads_the_same_in_english(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    await ada.send("/config")
    labels = [row[0] for row in ada.last.buttons]
    assert "Show the wait" in labels and "Interest window" in labels
    assert "gadget setting 1" in labels and "VIP welcome · English" in labels
    await open_setting(ada, "Social links")
    await ada.send("http://instagram.com/diana")
    assert ada.last.text.startswith(
        "“http://instagram.com/diana” begins with http://, and I accept only https:// links"
    )
    await ada.click("Cancel")
    prompt = await open_setting(ada, "gadget setting 1")
    assert "a whole number, from 1 to 9." in prompt.text and "At present: “3”" in prompt.text
    await ada.send("soon")
    assert ada.last.text.startswith(
        "I am afraid “soon” will not do for gadget setting 1: it is not a whole number."
    )


@pytest.mark.parametrize("language", ["es", "en"])
async def test_a_welcome_of_5000_characters_is_refused_with_the_limit(
    harness: Any, language: str
) -> None:
    custodian = harness.admin("Diana", language_code=language)
    fred = harness.user("Fred", language_code=language)
    await harness.start_app(house_style=True)  # the header counts toward the limit
    label = "Bienvenida gratuita · español" if language == "es" else "Free welcome · Spanish"
    prompt = await open_setting(custodian, label)
    limit = "4.000 caracteres como máximo" if language == "es" else "4,000 characters at most"
    assert limit in prompt.text
    await custodian.send("Bienvenue!" * 500)  # 5,000 characters
    refusal = custodian.last.text
    if language == "es":
        assert (
            "tiene 5.000 caracteres" in refusal and "admite 4.000 caracteres como máximo" in refusal
        )
    else:
        assert "it has 5,000 characters" in refusal and "takes 4,000 characters at most" in refusal
    assert "Bienvenue" not in refusal and custodian.last.buttons == [
        ["Cancelar" if language == "es" else "Cancel"]
    ]
    assert await value(harness, "admin", "welcome_free") == ""
    assert failed_calls(harness) == []

    # The longest welcome allowed reaches the user whole, in one message.
    longest = ("<Bienvenue> " * 400)[:WELCOME_MAX]
    await custodian.send(longest)
    assert await value(harness, "admin", "welcome_free") == longest
    await fred.send("/start")
    assert fred.last.text == "🎩 Lucien:\n" + longest  # framed, and whole
    assert failed_calls(harness) == []


async def test_welcomes_per_language_fall_back_to_spanish(harness: Any) -> None:
    diana = harness.admin("Diana", language_code="es")
    ana = harness.user("Ana", language_code="es")
    ada = harness.user("Ada", language_code="en")
    luc = harness.user("Luc", language_code="fr")
    await harness.start_app()
    await open_setting(diana, "Bienvenida gratuita · español")
    await diana.send("Bienvenida al vestíbulo, querida visita.")
    await ada.send("/start")
    assert ada.last.text == "Bienvenida al vestíbulo, querida visita."  # none in English yet
    await open_setting(diana, "Bienvenida gratuita · inglés")
    await diana.send("Welcome to the vestibule, dear guest.")
    for person, expected in (
        (ana, "Bienvenida al vestíbulo, querida visita."),
        (ada, "Welcome to the vestibule, dear guest."),
        (luc, "Bienvenida al vestíbulo, querida visita."),
    ):
        await person.send("/start")
        assert person.last.text == expected, person

    prompt = await open_setting(diana, "Bienvenida gratuita · inglés")
    assert "Ahora mismo: «Welcome to the vestibule, dear guest.»" in prompt.text
    await diana.send("-")
    assert diana.last.text == "Hecho: he retirado «Bienvenida gratuita · inglés»."
    await ada.send("/start")
    assert ada.last.text == "Bienvenida al vestíbulo, querida visita."


async def test_one_channel_cannot_be_both_the_vip_and_the_free_one(harness: Any) -> None:
    diana = harness.admin("Diana", language_code="es")
    await harness.start_app()
    salon = harness.emulator.create_channel("Salón", username="salon")
    hall = harness.emulator.create_channel("Vestíbulo", username="hall")
    weak = harness.emulator.create_channel("Débil", bot_rights={"can_invite_users": True})
    await open_setting(diana, "Canal VIP")
    await diana.forward_from(weak.id, "una publicación")  # the rights, in words
    assert diana.last.text == (
        "En Débil al bot le faltan estos permisos: restringir miembros. "
        "Concédaselos y vuelva a intentarlo."
    )
    await diana.send("@salon")
    assert await value(harness, "vip", "channel_id") == salon.id

    await open_setting(diana, "Canal gratuito")
    await diana.forward_from(salon.id, "una publicación")
    assert diana.last.text == (
        "Salón (@salon) ya ocupa el lugar de «Canal VIP». Un mismo canal no puede servir a "
        "ambos; elija otro, por favor."
    )
    assert diana.last.buttons == [["Cancelar"]]
    assert await value(harness, "free", "channel_id") is None
    await diana.send("@hall")
    assert await value(harness, "free", "channel_id") == hall.id

    await open_setting(diana, "Canal VIP")
    await diana.send(str(hall.id))
    assert "ya ocupa el lugar de «Canal gratuito»" in diana.last.text
    assert await value(harness, "vip", "channel_id") == salon.id
