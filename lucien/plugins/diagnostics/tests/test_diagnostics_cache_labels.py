"""/diag's cache section names each namespace for people, in the admin's language (the
label a plugin gives its `CacheNamespace`), never by its id; a namespace without a label
reads as its id.

Conversations through the emulator, asserting on what the admin sees.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pytest

from lucien.core.plugin import CacheNamespace, PluginInfo, hookimpl

PLUGINS = ["admin", "voice", "vip", "free", "diagnostics", "gadget"]
LABELS = {
    "es": ("pantalla de estadísticas", "enlace de solicitud del canal gratuito", "planes VIP"),
    "en": ("statistics screen", "free channel's request link", "VIP plans"),
}
IDS = ("admin_stats", "free_link", "vip_seen_list", "vip_plans", "• role:", "• voice:")


class Gadget:
    """A plugin whose namespace has no label: it reads as its id."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="gadget", version="1.0.0")

    @hookimpl
    def lucien_cache_namespaces(self) -> list[CacheNamespace]:
        return [CacheNamespace("gadget_parts", 60, "a stand-in's parts")]


gadget = Gadget()


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.lucien(plugins=PLUGINS)
async def test_the_cache_section_names_namespaces_in_words(harness: Any, lang: str) -> None:
    harness.entry_points = [
        *entry_points(group="lucien.plugins"),
        EntryPoint("gadget", f"{__name__}:gadget", "lucien.plugins"),
    ]
    ada = harness.admin("Ada", language_code=lang)
    await harness.start_app()
    await ada.send("/diag")
    report = "\n".join(m.text for m in ada.messages if m.text)
    for label in LABELS[lang]:
        assert f"• {label}:" in report, (label, report)
    for ns_id in IDS:
        assert ns_id not in report, (ns_id, report)
    assert "• gadget_parts:" in report
