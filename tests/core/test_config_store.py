"""Settings edited from chat: layered over the environment, validated, versioned."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from lucien.core.config_store import SettingConflict, SettingError
from lucien.core.db.models import PluginSetting, PluginSettingChange
from lucien.core.testing.harness import BotHarness

pytestmark = pytest.mark.lucien(plugins=["voice", "free"])


async def test_a_saved_value_overrides_the_environment_and_is_recorded(harness: BotHarness) -> None:
    await harness.start_app()
    config = harness.ctx.config
    assert (await config.get("free")).wait_minutes == 5
    saved = await config.update("free", "wait_minutes", "12", expected_version=0, by=42)
    assert saved.version == 1
    assert (await config.get("free")).wait_minutes == 12
    async with harness.ctx.db.session() as s:
        change = await s.scalar(select(PluginSettingChange))
    assert (change.old_value, change.new_value, change.changed_by) == (5, 12, 42)


async def test_a_bad_value_is_refused_and_nothing_is_saved(harness: BotHarness) -> None:
    await harness.start_app()
    config = harness.ctx.config
    with pytest.raises(SettingError) as info:
        await config.update("free", "wait_minutes", "-3", expected_version=0, by=1)
    assert "greater than or equal to 0" in info.value.reason
    assert await config.version("free", "wait_minutes") == 0
    assert (await config.get("free")).wait_minutes == 5


async def test_the_second_of_two_concurrent_edits_is_told(harness: BotHarness) -> None:
    await harness.start_app()
    config = harness.ctx.config
    await config.update("free", "wait_minutes", "7", expected_version=0, by=1)
    await config.update("free", "wait_minutes", "8", expected_version=1, by=1)
    with pytest.raises(SettingConflict) as info:
        await config.update("free", "wait_minutes", "9", expected_version=1, by=2)
    assert (info.value.current, info.value.version) == (8, 2)
    assert (await config.get("free")).wait_minutes == 8


async def test_one_stale_stored_value_does_not_discard_the_others(harness: BotHarness) -> None:
    """A value saved under an older model that the current one refuses is dropped alone."""
    await harness.start_app()
    ctx = harness.ctx
    async with ctx.db.session() as s:
        await s.execute(
            insert(PluginSetting).values(
                plugin="free", key="wait_minutes", value=-1, version=1, updated_at=ctx.clock.now()
            )
        )
        await s.execute(
            insert(PluginSetting).values(
                plugin="free",
                key="social_links",
                value=["https://example.com/diana"],
                version=1,
                updated_at=ctx.clock.now(),
            )
        )
    await ctx.cache.invalidate("settings", "free")
    settings = await ctx.config.get("free")
    assert settings.social_links == ["https://example.com/diana"]
    assert settings.wait_minutes == 5
