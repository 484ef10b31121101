"""Lucien's voice: the engine that renders every enabled plugin's catalogue, in locales.

It has no handlers nor tables: it provides the Voice every text goes through
(`lucien_voice`) and `lucien voice check` (`lucien_commands`); its only keys name its
settings on the admins' configuration screens.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from lucien import __version__
from lucien.core.plugin import CacheNamespace, MessageKey, PluginInfo, hookimpl

if TYPE_CHECKING:
    import click

HERE = Path(__file__).parent


class VoicePlugin:
    """Hook implementations of the voice plugin."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(
            name="voice",
            version=__version__,
            description="Lucien's voice: renders every plugin's catalogue (variants, locales)",
        )

    @hookimpl
    def lucien_test_suite(self) -> str:
        return str(HERE / "tests")

    @hookimpl
    def lucien_catalogue(self) -> str:
        """The lines naming the voice's settings on the configuration screens."""
        return str(HERE / "catalogue")

    @hookimpl
    def lucien_messages(self) -> list[MessageKey]:
        """The keys of those lines (`messages.py`)."""
        from lucien.plugins.voice.messages import MESSAGES

        return MESSAGES

    @hookimpl
    def lucien_settings_model(self) -> type[Any]:
        from lucien.plugins.voice.services import VoiceSettings

        return VoiceSettings

    @hookimpl
    def lucien_cache_namespaces(self) -> list[CacheNamespace]:
        return [
            CacheNamespace(
                "voice",
                30 * 86400,
                "last variant of each message shown to each user",
                label={"es": "variantes de voz ya dichas", "en": "voice variants already said"},
            )
        ]

    @hookimpl
    def lucien_voice(self, ctx: Any, messages: dict[str, MessageKey]) -> Any:
        """Lucien's CatalogueVoice over every enabled plugin's catalogue; problems logged."""
        import logging

        from lucien.plugins.voice.check import check_catalogue
        from lucien.plugins.voice.services import CatalogueVoice, VoiceSettings, load_catalogue

        settings = ctx.plugin_settings("voice") or VoiceSettings()
        sources = [
            (record.name, path) for record, path in ctx.registry.call_each("lucien_catalogue")
        ]
        catalogue = load_catalogue(sources)
        log = logging.getLogger("lucien.voice")
        for problem in check_catalogue(messages, catalogue):
            log.warning("catalogue: %s", problem)
        clock = getattr(ctx, "clock", None)
        voice = CatalogueVoice(
            messages,
            catalogue,
            settings=settings,
            cache=lambda: ctx.cache,
            now=clock.now if clock is not None else None,
        )

        async def settings_in_force() -> str | None:
            # Admins edit the creator's name, her account and the timezone from chat: read
            # the values in force (cached by the config store) on every render, not the
            # startup ones.
            config = getattr(ctx, "config", None)
            if config is None or getattr(ctx, "state", None) is None:
                return None
            current = await config.get("voice")
            if current.timezone != str(voice.tz):
                from zoneinfo import ZoneInfo

                voice.tz = ZoneInfo(current.timezone)
            voice.creator_id = current.creator_id
            return str(current.creator_name)

        voice.creator_source = settings_in_force
        voice.names_source = _names_in_force(ctx)
        return voice

    @hookimpl
    def lucien_commands(self, cli: click.Group) -> None:
        """`lucien voice check`: the house-style check of every installed catalogue."""
        from lucien.plugins.voice.check import voice_cli

        cli.add_command(voice_cli)


def _names_in_force(ctx: Any) -> Any:
    """The voice's source of the house's names: the plugins' settings that supply them
    (see `names`), read through the config store (cached) on every render using one."""
    declared: dict[str, dict[str, tuple[str, str]]] | None = None

    async def names_in_force(locale: str, stems: frozenset[str]) -> dict[str, str]:
        nonlocal declared
        config = getattr(ctx, "config", None)
        if config is None or getattr(ctx, "state", None) is None:
            return {}
        if declared is None:  # the enabled plugins are settled by the first render
            from lucien.plugins.voice.names import declared_names

            declared = declared_names(ctx.registry.enabled())
        found: dict[str, str] = {}
        for stem in stems:
            where = declared.get(stem, {}).get(locale)
            if where is not None:
                found[stem] = str(getattr(await config.get(where[0]), where[1], "") or "")
        return found

    return names_in_force


plugin = VoicePlugin()
