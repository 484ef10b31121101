"""The statistics screen: every enabled plugin's section (`lucien_statistics`), the admin
plugin's own among them, rendered in the viewer's language and cached for a minute.

Why a cache: each section is a few aggregate queries over tables that grow with the
business; admins open the screen often and a minute-old figure serves them as well. The
screen is cached per language (the figures are the same for every admin; only the words
differ) in the `admin_stats` namespace, so every replica shares it; Refresh drops every
language's copy and builds the viewer's anew.

Why aggregate queries: the number of statements must not grow with the number of users
(one `count`/`sum` per figure family, never a row per user).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from aiogram.types import InlineKeyboardButton
from sqlalchemy import case, func, select

from lucien.core.db.models import User
from lucien.core.plugin import CacheNamespace, Section
from lucien.plugins.admin.models import Admin
from lucien.plugins.admin.services.card import fit, heading, zone

if TYPE_CHECKING:
    from lucien.core.context import AppContext

STATS_NS = CacheNamespace(
    "admin_stats",
    60,
    "the admins' statistics screen, per language",
    label={"es": "pantalla de estadísticas", "en": "statistics screen"},
)
ACTIVE_DAYS = 7  # "active" means seen by the bot within this many days
ADMIN_SECTION_ORDER = 10  # the house's people first; plugins default to 100


@dataclass(frozen=True)
class PeopleFigures:
    """The admin plugin's own figures."""

    users: int
    active: int
    admins: int


@dataclass(frozen=True)
class StatsScreen:
    """The rendered screen: its text and the sections' buttons (rows)."""

    text: str
    rows: list[list[InlineKeyboardButton]]


def render_sections(sections: list[tuple[str, Section]]) -> list[str]:
    """Each section as one HTML block, sorted by order then plugin name."""
    blocks = []
    for _, section in sorted(sections, key=lambda item: (item[1].order, item[0])):
        blocks.append("\n".join([heading(section.title), *section.lines]))
    return blocks


def button_rows(sections: list[tuple[str, Section]], per_row: int = 2) -> list[list[Any]]:
    """The sections' buttons, in their order, `per_row` to a row."""
    buttons = [
        b for _, s in sorted(sections, key=lambda item: (item[1].order, item[0])) for b in s.buttons
    ]
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


class StatisticsService:
    """The admins' statistics: the admin plugin's figures and the cached screen."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def people(self) -> PeopleFigures:
        """Users, those active in the last ACTIVE_DAYS days and admins: one statement."""
        since = self.ctx.clock.now() - timedelta(days=ACTIVE_DAYS)
        env = sorted(set(self.ctx.settings.admin_ids or ()))
        # The admins added from chat who are not also in ADMIN_IDS (counted once).
        stored = (
            select(func.count()).select_from(Admin).where(Admin.user_id.not_in(env))
        ).scalar_subquery()
        statement = select(
            func.count(User.id),
            func.coalesce(func.sum(case((User.last_seen >= since, 1), else_=0)), 0),
            stored,
        ).select_from(User)
        async with self.ctx.db.session(readonly=True) as session:
            users, active, admins = (await session.execute(statement)).one()
        return PeopleFigures(int(users), int(active), len(env) + int(admins or 0))

    async def section(self, viewer: Any) -> Section:
        """The admin plugin's section of the screen."""
        figures = await self.people()
        say = self.ctx.voice.say
        return Section(
            title=await say("stats.people.title", user=viewer),
            lines=(
                await say("stats.people.users", user=viewer, count=figures.users),
                await say(
                    "stats.people.active", user=viewer, count=figures.active, days=ACTIVE_DAYS
                ),
                await say("stats.people.admins", user=viewer, count=figures.admins),
            ),
            order=ADMIN_SECTION_ORDER,
        )

    def _language(self, viewer: Any) -> str:
        """The cache key: the locale the voice speaks to `viewer` (its own rule)."""
        locale_for = getattr(self.ctx.voice, "locale_for", None)
        if callable(locale_for):
            return str(locale_for(viewer))
        return str(getattr(self.ctx.voice, "locale", "plain"))

    async def screen(self, viewer: Any, *, refresh: bool = False) -> StatsScreen:
        """The screen for `viewer`'s language: cached, or built now when `refresh`."""
        if refresh:
            await self.ctx.cache.invalidate_namespace(STATS_NS.name)
        cached = await self.ctx.cache.get_or_load(
            STATS_NS.name, self._language(viewer), lambda: self._build(viewer)
        )
        rows = [[InlineKeyboardButton.model_validate(b) for b in row] for row in cached["rows"]]
        return StatsScreen(str(cached["text"]), rows)

    async def _build(self, viewer: Any) -> dict[str, Any]:
        """Ask every enabled plugin for its section (one raising is logged and left out)."""
        answers = await self.ctx.registry.acall_each(
            "lucien_statistics", ctx=self.ctx, viewer=viewer
        )
        sections = [(r.name, s) for r, s in answers if isinstance(s, Section)]
        now = self.ctx.clock.now()
        header = await self.ctx.voice.say(
            "stats.header", user=viewer, when=now, zone=zone(self.ctx, now)
        )
        cut = await self.ctx.voice.say("card.cut", user=viewer)
        text = fit([header, *render_sections(sections)], cut=cut)
        rows = [
            [b.model_dump(mode="json", exclude_none=True) for b in row]
            for row in button_rows(sections)
        ]
        return {"text": text, "rows": rows}


def statistics_service(ctx: AppContext) -> StatisticsService:
    return ctx.service("admin.stats", StatisticsService)
