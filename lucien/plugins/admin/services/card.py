"""The user card: what the house knows of one person, for the admin viewing it.

The core's facts come first (name, @username, language, first and last seen, the role and
every reason for it, blocked or not), then each enabled plugin's section
(`lucien_user_card`, sorted by order then plugin name; a plugin that raises is logged and
left out), then the latest entries of the audit log. Each section is capped at
MAX_SECTION_LINES lines and the whole card at TEXT_BUDGET characters, so no plugin can make
the message too long for Telegram.

The admin's own actions on the card (block, unblock, promote, demote) are checked and
carried out by `perform`; the other plugins' actions are theirs, in their sections.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from markupsafe import Markup

from lucien.core.plugin import Section
from lucien.plugins.admin.services.admins import admin_service
from lucien.plugins.admin.services.users import Person, RoleFacts, user_directory

if TYPE_CHECKING:
    from lucien.core.context import AppContext

MAX_SECTION_LINES = 8  # a plugin's longer list ends in "... and N more"
AUDIT_ENTRIES = 5  # the latest actions shown on the card
# Telegram refuses a text over 4096 characters once parsed; markup only adds characters,
# so staying under this with the HTML leaves room.
TEXT_BUDGET = 3800

Action = Literal["block", "unblock", "promote", "demote"]
ACTIONS: tuple[Action, ...] = ("block", "unblock", "promote", "demote")


@dataclass(frozen=True)
class Card:
    """A rendered card and the facts its buttons depend on."""

    person: Person
    roles: RoleFacts
    text: str
    sections: list[tuple[str, Section]]

    @property
    def blocked(self) -> bool:
        return self.person.blocked_at is not None

    @property
    def admin(self) -> bool:
        return self.roles.env_admin or self.roles.stored_admin


def heading(title: str) -> str:
    """A section's title as its heading: bold, unless the plugin marked it up itself."""
    return title if title.lstrip().startswith("<") else f"<b>{title}</b>"


def cap(lines: tuple[str, ...] | list[str]) -> tuple[list[str], int]:
    """At most MAX_SECTION_LINES lines: those kept, and how many a "more" line stands for."""
    if len(lines) <= MAX_SECTION_LINES:
        return list(lines), 0
    kept = MAX_SECTION_LINES - 1
    return list(lines[:kept]), len(lines) - kept


def zone(ctx: AppContext, moment: datetime | None) -> str:
    """The timezone the voice writes `moment` in ("CST", "CEST", "UTC-05" for a zone
    without letters): shown beside each time, so that an admin elsewhere does not read
    "16:34" in their own zone. The voice plugin's is the creator's; the plain voice's UTC."""
    tz = getattr(ctx.voice, "tz", None) or UTC
    if moment is None:
        return str(tz)
    when = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    name = when.astimezone(tz).tzname() or str(tz)
    return f"UTC{name}" if name[:1] in "+-" else name


def plain_title(title: str) -> str:
    """A section's title as words (its markup dropped), to name it in a sentence."""
    return Markup(title).striptags()


def fit(blocks: list[str], budget: int = TEXT_BUDGET, cut: str = "…") -> str:
    """The blocks joined by blank lines, whole blocks dropped from the end past `budget`
    (a cut block is never half a tag), `cut` marking where."""
    text = ""
    for block in blocks:
        candidate = f"{text}\n\n{block}" if text else block
        if len(candidate) > budget:
            return f"{text}\n\n{cut}" if text else cut
        text = candidate
    return text


class CardService:
    """Builds the card and carries out the admin plugin's actions on it."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def _label(self, key: str, fallback: str, viewer: Any) -> str:
        """A voiced label when some plugin declares `key`, else `fallback` as it is."""
        if key in self.ctx.app.messages:
            return await self.ctx.voice.button(key, user=viewer)
        return fallback

    async def _role_label(self, role: str | None, viewer: Any) -> str:
        """The role as its plugin names it (`role.<role>`); everyone's role, when nobody
        names it, as the card's own word for it ("guest"); any other role as declared."""
        if role is None:
            return "-"
        if f"role.{role}" not in self.ctx.app.messages and role == self.ctx.roles.base:
            return await self.ctx.voice.button("card.role.base", user=viewer)
        return await self._label(f"role.{role}", role, viewer)

    async def build(self, user_id: int, viewer: Any) -> Card | None:
        """The card of `user_id` for `viewer`, or None if the bot never saw them."""
        directory = user_directory(self.ctx)
        person = await directory.get(user_id)
        if person is None:
            return None
        roles = await directory.role_facts(user_id)
        answers = await self.ctx.registry.acall_each(
            "lucien_user_card", ctx=self.ctx, user_id=user_id, viewer=viewer
        )
        sections = sorted(
            ((r.name, s) for r, s in answers if isinstance(s, Section)),
            key=lambda item: (item[1].order, item[0]),
        )
        entries = await self.ctx.audit.for_target(user_id, limit=AUDIT_ENTRIES)
        ids = {e.actor_id for e in entries if e.actor_id is not None}
        ids |= {i for i in (roles.added_by, person.blocked_by) if i is not None}
        names = await directory.names(ids)
        titles = {plugin: plain_title(section.title) for plugin, section in sections}
        blocks = [await self._facts(person, roles, names, titles, viewer)]
        for _, section in sections:
            lines, hidden = cap(section.lines)
            if hidden:
                lines.append(await self.ctx.voice.say("card.more", user=viewer, count=hidden))
            blocks.append("\n".join([heading(section.title), *lines]))
        blocks.append(await self._audit(entries, names, viewer))
        cut = await self.ctx.voice.say("card.cut", user=viewer)
        return Card(person, roles, fit(blocks, cut=cut), sections)

    async def _facts(
        self,
        person: Person,
        roles: RoleFacts,
        names: dict[int, str],
        titles: dict[str, str],
        viewer: Any,
    ) -> str:
        """The core's facts; `titles` are the sections' titles by plugin, to name where a
        plugin's role comes from without the plugin's internal name."""
        say = self.ctx.voice.say
        lines = [await say("card.title", user=viewer, user_name=person.name, user_id=person.id)]
        if person.username:
            lines.append(await say("card.username", user=viewer, username=person.username))
        else:
            lines.append(await say("card.no_username", user=viewer))
        if person.language_code:
            lines.append(await say("card.language", user=viewer, language=person.language_code))
        for key, when in (
            ("card.first_seen", person.first_seen),
            ("card.last_seen", person.last_seen),
        ):
            lines.append(await say(key, user=viewer, when=when, zone=zone(self.ctx, when)))
        label = await self._role_label(roles.role, viewer)
        lines.append(await say("card.role", user=viewer, role_name=label))
        if roles.env_admin:
            lines.append(await say("card.why.env", user=viewer))
        elif roles.stored_admin and roles.added_at is not None:
            by = names.get(roles.added_by or 0) or str(roles.added_by or "?")
            lines.append(await say("card.why.added", user=viewer, by=by, when=roles.added_at))
        for plugin, granted in roles.granted:
            if plugin == "admin":  # explained by the lines above
                continue
            granted_label = await self._role_label(granted, viewer)
            if plugin in titles:  # its section says why: point there
                line = await say(
                    "card.why.section", user=viewer, role_name=granted_label, section=titles[plugin]
                )
            else:
                line = await say("card.why.plugin", user=viewer, role_name=granted_label)
            lines.append(line)
        if person.blocked_at is not None:
            by = names.get(person.blocked_by or 0) or str(person.blocked_by or "?")
            when = person.blocked_at
            lines.append(
                await say("card.blocked", user=viewer, when=when, zone=zone(self.ctx, when), by=by)
            )
        else:
            lines.append(await say("card.not_blocked", user=viewer))
        return "\n".join(lines)

    async def _audit(self, entries: list[Any], names: dict[int, str], viewer: Any) -> str:
        say = self.ctx.voice.say
        lines = [await say("card.audit.title", user=viewer)]
        for entry in entries:
            actor = names.get(entry.actor_id or 0) or str(entry.actor_id or "?")
            action = await self._label(f"audit.{entry.action}", entry.action, viewer)
            lines.append(
                await say(
                    "card.audit.line",
                    user=viewer,
                    when=entry.at,
                    zone=zone(self.ctx, entry.at),
                    actor=actor,
                    action=action,
                )
            )
        if not entries:
            lines.append(await say("card.audit.none", user=viewer))
        return "\n".join(lines)

    # -- actions --------------------------------------------------------------------------

    async def refusal(self, action: Action, card: Card, by: int) -> str | None:
        """Why `by` may not do `action` to the card's person now (a message key), or None."""
        if action == "block" and card.admin:
            return "card.refused.block_admin"
        if action in ("promote", "demote") and card.roles.env_admin:
            return "card.refused.env"
        if action == "demote" and card.person.id == by:
            return "card.refused.self"
        if action == "promote" and card.blocked:
            return "card.refused.blocked"
        return None

    async def perform(self, action: Action, user_id: int, by: int) -> bool:
        """Carry out a checked action; False when there was nothing to change (another
        admin did it first). Each change is audited in its own transaction."""
        if action == "block":
            return await self.ctx.users.block(user_id, by=by)
        if action == "unblock":
            return await self.ctx.users.unblock(user_id, by=by)
        if action == "promote":
            return await admin_service(self.ctx).add(user_id, by=by)
        return await admin_service(self.ctx).remove(user_id, by=by)


def card_service(ctx: AppContext) -> CardService:
    return ctx.service("admin.card", CardService)
