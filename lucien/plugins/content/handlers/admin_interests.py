"""The admins' "Intereses": pending interests newest first (paged, narrowed to a package
or a category), the attended history, counts per package; marking attended from the list
or from the notification; and, while the admin plugin's user card is not there, what is
known of the user behind an interest.

The router is included under the guarded one, whose role filter admits admins only.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from lucien.core.context import AppContext
from lucien.core.formatting import Markup
from lucien.core.menus import edit_or_send
from lucien.plugins.content import keyboards as kb
from lucien.plugins.content.handlers.common import alert_text, category_label, service, zone
from lucien.plugins.content.keyboards import ContentInbox
from lucien.plugins.content.services import CATEGORIES, Attended, InterestView


def _who(item: InterestView) -> str:
    return f"{item.first_name} (@{item.username})" if item.username else item.first_name


async def _line(ctx: AppContext, user: Any, item: InterestView) -> str:
    who = _who(item)
    if item.attended_at is not None:
        return await ctx.voice.say(
            "content.inbox.line_attended",
            user=user,
            who=who,
            package=item.package_name,
            admin=item.attended_by_name or str(item.attended_by),
            when=item.attended_at,
            zone=zone(ctx, item.attended_at),
        )
    return await ctx.voice.say(
        "content.inbox.line",
        user=user,
        who=who,
        package=item.package_name,
        when=item.created_at,
        zone=zone(ctx, item.created_at),
    )


async def show_inbox(
    query: CallbackQuery, ctx: AppContext, shown: ContentInbox, asking: InterestView | None = None
) -> None:
    """Pending or attended interests, one page, with the filter in force said; when
    `asking`, the question whether that interest is attended comes first, and its row
    holds the answers."""
    user = query.from_user
    svc = service(ctx)
    cat = shown.cat if shown.cat in CATEGORIES else ""
    page = await svc.interests.page(
        attended=shown.view == "attended", page=shown.page, package_id=shown.pkg, category=cat
    )
    parts = [await ctx.voice.say(f"content.inbox.{shown.view}", user=user, count=page.total)]
    if shown.pkg:
        package = await svc.packages.get(shown.pkg)
        name = package.name if package is not None else str(shown.pkg)
        parts.append(await ctx.voice.say("content.inbox.only_package", user=user, package=name))
    elif cat:
        label = await category_label(ctx, user, cat)
        parts.append(await ctx.voice.say("content.inbox.only_category", user=user, category=label))
    if page.items:
        parts.append("\n".join([await _line(ctx, user, item) for item in page.items]))
        if page.pages > 1:
            parts.append(
                await ctx.voice.say(
                    "content.inbox.page", user=user, page=page.page + 1, pages=page.pages
                )
            )
    else:
        parts.append(await ctx.voice.say("content.inbox.empty", user=user))
    if asking is not None:
        question = await ctx.voice.say(
            "content.inbox.confirm",
            user=user,
            who=_who(asking),
            package=asking.package_name,
        )
        parts.insert(0, question)
    markup = await kb.inbox(ctx, user, shown, page, asking.id if asking else 0)
    await edit_or_send(query, "\n\n".join(parts), markup)


async def show_counts(query: CallbackQuery, ctx: AppContext) -> None:
    """Pending and total interests per package."""
    user = query.from_user
    counts = await service(ctx).interests.per_package()
    if counts:
        lines = [
            await ctx.voice.say(
                "content.inbox.count_line",
                user=user,
                package=c.name,
                pending=c.pending,
                total=c.total,
            )
            for c in counts
        ]
        text = await ctx.voice.say(
            "content.inbox.counts", user=user, lines=Markup("\n".join(lines))
        )
    else:
        text = await ctx.voice.say("content.inbox.counts_empty", user=user)
    await edit_or_send(query, text, await kb.back_to_inbox(ctx, user))


async def _attended_notification(query: CallbackQuery, ctx: AppContext, outcome: Attended) -> None:
    """The notification the admin pressed "Atendido" on: it now says who attended it and
    when, and keeps "Ver usuario"."""
    interest, user = outcome.interest, query.from_user
    message = query.message
    if interest is None or not isinstance(message, Message):
        return
    text = await service(ctx).interests.notification_text(user, interest)
    note = await ctx.voice.say(
        "content.interest.attended_note",
        user=user,
        admin=interest.attended_by_name or str(interest.attended_by),
        when=interest.attended_at,
        zone=zone(ctx, interest.attended_at),
    )
    markup = await kb.notification_attended(ctx, user, interest)
    await edit_or_send(query, f"{text}\n\n{note}", markup)


def create_router() -> Router:
    """The interests' screens (guarded by the parent router)."""
    router = Router(name="content:admin:interests")

    @router.callback_query(ContentInbox.filter(F.action == "show"))
    async def show_button(
        query: CallbackQuery, callback_data: ContentInbox, ctx: AppContext
    ) -> Any:
        user = query.from_user
        if callback_data.view in ("pending", "attended"):
            await show_inbox(query, ctx, callback_data)
        elif callback_data.view == "counts":
            await show_counts(query, ctx)
        elif callback_data.view == "by_pkg":
            packages = await service(ctx).packages.all_names()
            text = await ctx.voice.say("content.inbox.pick_package", user=user)
            await edit_or_send(query, text, await kb.filter_packages(ctx, user, packages))
        else:
            text = await ctx.voice.say("content.inbox.pick_category", user=user)
            await edit_or_send(query, text, await kb.filter_categories(ctx, user))
        return query.answer()

    @router.callback_query(ContentInbox.filter(F.action == "ask"))
    async def ask_button(query: CallbackQuery, callback_data: ContentInbox, ctx: AppContext) -> Any:
        """A row's "✓" in the list: nothing is marked yet; the list asks to confirm, so a
        slip of the finger on a dense list costs a second look, not a lead."""
        user = query.from_user
        interest = await service(ctx).interests.get(callback_data.id)
        where = ContentInbox(page=callback_data.page, pkg=callback_data.pkg, cat=callback_data.cat)
        if interest is None:
            await show_inbox(query, ctx, where)
            text = await ctx.voice.say("content.interest.missing", user=user)
            return query.answer(alert_text(text), show_alert=True)
        if interest.attended_at is not None:
            await show_inbox(query, ctx, where)
            text = await ctx.voice.say(
                "content.interest.already",
                user=user,
                admin=interest.attended_by_name or str(interest.attended_by),
                when=interest.attended_at,
                zone=zone(ctx, interest.attended_at),
            )
            return query.answer(alert_text(text), show_alert=True)
        await show_inbox(query, ctx, where, asking=interest)
        return query.answer()

    @router.callback_query(ContentInbox.filter(F.action == "attend"))
    async def attend_button(
        query: CallbackQuery, callback_data: ContentInbox, ctx: AppContext
    ) -> Any:
        """Mark attended, from the list (which is shown again) or from a notification."""
        user = query.from_user
        outcome = await service(ctx).interests.attend(callback_data.id, user)
        if outcome.status == "missing" or outcome.interest is None:
            text = await ctx.voice.say("content.interest.missing", user=user)
            return query.answer(alert_text(text), show_alert=True)
        if outcome.status == "done":
            text = await ctx.voice.say("content.interest.attended", user=user)
        else:
            text = await ctx.voice.say(
                "content.interest.already",
                user=user,
                admin=outcome.interest.attended_by_name or str(outcome.interest.attended_by),
                when=outcome.interest.attended_at,
                zone=zone(ctx, outcome.interest.attended_at),
            )
        if callback_data.src == "n":
            await _attended_notification(query, ctx, outcome)
        else:
            await show_inbox(
                query,
                ctx,
                ContentInbox(page=callback_data.page, pkg=callback_data.pkg, cat=callback_data.cat),
            )
        return query.answer(alert_text(text), show_alert=outcome.status != "done")

    @router.callback_query(ContentInbox.filter(F.action == "user"))
    async def user_button(
        query: CallbackQuery, callback_data: ContentInbox, ctx: AppContext
    ) -> Any:
        """What the house knows of the user: "Ver usuario" while the admin plugin (owner of
        the user card) is disabled, and the buttons of messages sent before it came. From
        a notification, a new message (the notification stays as it is); from the inbox,
        in place."""
        user = query.from_user
        card = await service(ctx).interests.user_card(callback_data.id)
        # Without a @username the heading is the name alone (no empty brackets).
        heading = await ctx.voice.say(
            "content.user.heading" if card.username else "content.user.heading_anon",
            user=user,
            who=card.first_name,
            username=card.username or "",
        )
        common: dict[str, Any] = {
            "heading": Markup(heading),
            "user_id": card.user_id,
            "pending": card.pending,
            "total": card.total,
        }
        if card.first_seen is not None:
            text = await ctx.voice.say(
                "content.user.card",
                user=user,
                language=card.language or "—",
                first_seen=card.first_seen,
                first_zone=zone(ctx, card.first_seen),
                last_seen=card.last_seen,
                last_zone=zone(ctx, card.last_seen),
                **common,
            )
        else:
            text = await ctx.voice.say("content.user.card_unknown", user=user, **common)
        markup = await kb.back_to_inbox(ctx, user)
        if callback_data.src != "n":
            await edit_or_send(query, text, markup)
        elif query.bot is not None:
            await query.bot.send_message(user.id, text, reply_markup=markup)
        return query.answer()

    return router
