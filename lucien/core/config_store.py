"""Plugin settings that admins edit from chat, layered over the environment.

A plugin's settings model (`lucien_settings_model`) gives the defaults, read from the
environment at startup; values saved from chat override them field by field. Every save
is validated by the model, checked against the version the admin saw (optimistic
locking: two admins editing at once, one wins and the other is told), recorded in the
history and invalidated in the cache of every replica.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel, ValidationError
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from lucien.core.db.models import PluginSetting, PluginSettingChange

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

    from lucien.core.context import AppContext

log = logging.getLogger("lucien.config")


class SettingError(Exception):
    """A value that the plugin's model refuses; `reason` is shown to the admin."""

    def __init__(self, plugin: str, key: str, reason: str) -> None:
        self.plugin, self.key, self.reason = plugin, key, reason
        super().__init__(f"{plugin}.{key}: {reason}")


class SettingConflict(Exception):
    """Someone changed the setting since it was read; carries the value now in force."""

    def __init__(self, plugin: str, key: str, current: Any, version: int) -> None:
        self.plugin, self.key, self.current, self.version = plugin, key, current, version
        super().__init__(f"{plugin}.{key} changed meanwhile (now version {version})")


@dataclass(frozen=True)
class StoredValue:
    value: Any
    version: int


class ConfigStore:
    """`await ctx.config.get("vip")` -> the vip plugin's settings with chat overrides."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._built: dict[str, tuple[Any, Any]] = {}

    def _base(self, plugin: str) -> BaseModel:
        base = self.ctx.plugin_settings(plugin)
        if base is None:
            raise KeyError(f"plugin {plugin!r} has no settings model")
        return base

    async def _raw(self, plugin: str) -> dict[str, list[Any]]:
        async def load() -> dict[str, list[Any]]:
            async with self.ctx.db.session(readonly=True) as session:
                rows = await session.execute(
                    select(PluginSetting.key, PluginSetting.value, PluginSetting.version).where(
                        PluginSetting.plugin == plugin
                    )
                )
                return {key: [value, version] for key, value, version in rows}

        return await self.ctx.cache.get_or_load("settings", plugin, load)

    async def _stored(self, plugin: str) -> dict[str, StoredValue]:
        raw = await self._raw(plugin)
        return {k: StoredValue(v[0], v[1]) for k, v in raw.items()}

    async def get(self, plugin: str) -> Any:
        """The plugin's settings model: environment defaults, then values saved from chat."""
        base = self._base(plugin)
        raw = await self._raw(plugin)
        if not raw:
            return base
        # Menus read settings on every update: while the cache hands back the same raw
        # object, the model built from it is the same too.
        memo = self._built.get(plugin)
        if memo is not None and memo[0] is raw:
            return memo[1]
        model = self._build(base, raw)
        self._built[plugin] = (raw, model)
        return model

    def _build(self, base: BaseModel, raw: dict[str, list[Any]]) -> Any:
        model = type(base)
        data = base.model_dump()
        data.update({k: v[0] for k, v in raw.items() if k in model.model_fields})
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            # A stored value the model no longer accepts (the model changed since it was
            # saved): drop that field only, keep every other value admins saved.
            bad = {str(e["loc"][0]) for e in exc.errors() if e.get("loc")}
            log.warning(
                "settings of %s: ignoring stored %s (%s)",
                type(base).__name__,
                ", ".join(sorted(bad)),
                exc.errors()[0]["msg"],
            )
            for key in bad:
                data[key] = getattr(base, key, None)
            try:
                return model.model_validate(data)
            except ValidationError:
                return base

    async def version(self, plugin: str, key: str) -> int:
        """The version an edit must present (0 when the value was never saved)."""
        stored = (await self._stored(plugin)).get(key)
        return stored.version if stored else 0

    def validate(self, plugin: str, key: str, raw: Any, current: BaseModel | None = None) -> Any:
        """The value as the model would store it, or SettingError with the reason."""
        base = current or self._base(plugin)
        model = type(base)
        if key not in model.model_fields:
            raise SettingError(plugin, key, "unknown setting")
        data = base.model_dump()
        data[key] = raw
        try:
            validated = model.model_validate(data)
        except ValidationError as exc:
            reasons = [
                e["msg"].removeprefix("Value error, ")
                for e in exc.errors()
                if e["loc"][:1] == (key,)
            ]
            raise SettingError(plugin, key, "; ".join(reasons) or str(exc)) from None
        return validated.model_dump(mode="json")[key]

    async def update(
        self, plugin: str, key: str, raw: Any, *, expected_version: int, by: int | None
    ) -> StoredValue:
        """Validate and save; SettingConflict if the version moved since it was read."""
        current = await self.get(plugin)
        value = self.validate(plugin, key, raw, current)
        old = current.model_dump(mode="json").get(key)
        now = self.ctx.clock.now()
        try:
            async with self.ctx.db.session() as session:
                if expected_version == 0:
                    await session.execute(
                        insert(PluginSetting).values(
                            plugin=plugin,
                            key=key,
                            value=value,
                            version=1,
                            updated_by=by,
                            updated_at=now,
                        )
                    )
                    new_version = 1
                else:
                    result = await session.execute(
                        update(PluginSetting)
                        .where(
                            PluginSetting.plugin == plugin,
                            PluginSetting.key == key,
                            PluginSetting.version == expected_version,
                        )
                        .values(
                            value=value, version=expected_version + 1, updated_by=by, updated_at=now
                        )
                        .execution_options(synchronize_session=False)
                    )
                    if cast("CursorResult[Any]", result).rowcount != 1:
                        raise _Lost()
                    new_version = expected_version + 1
                await session.execute(
                    insert(PluginSettingChange).values(
                        plugin=plugin,
                        key=key,
                        old_value=old,
                        new_value=value,
                        version=new_version,
                        changed_by=by,
                        changed_at=now,
                    )
                )
        except (_Lost, IntegrityError):
            await self.ctx.cache.invalidate("settings", plugin)
            fresh = await self.get(plugin)
            raise SettingConflict(
                plugin, key, fresh.model_dump(mode="json").get(key), await self.version(plugin, key)
            ) from None
        await self.ctx.cache.invalidate("settings", plugin)
        return StoredValue(value, new_version)

    async def history(self, plugin: str, key: str, limit: int = 20) -> list[PluginSettingChange]:
        async with self.ctx.db.session(readonly=True) as session:
            rows = await session.scalars(
                select(PluginSettingChange)
                .where(PluginSettingChange.plugin == plugin, PluginSettingChange.key == key)
                .order_by(PluginSettingChange.id.desc())
                .limit(limit)
            )
            return list(rows)


class _Lost(Exception):
    """The optimistic update matched no row."""
