"""Message keys of the content plugin: the users' lists and detail, "Me interesa", the
admins' packages (list, detail, the form) and interests (inbox, notification, user card),
and the plugin's sections of the statistics screen and of the admin plugin's user card.

Prices are passed as `Money` (or the on-request line), dates as datetimes; lists are one
rendered line per item, joined and passed as `Markup`. Names and descriptions are what
admins and users typed: passed as plain strings, so the voice escapes them.
"""

from __future__ import annotations

from lucien.core.plugin import MessageKey

M = MessageKey


def _button(key: str, default: str, context: tuple[str, ...] = ()) -> MessageKey:
    return MessageKey(key, default, context, button=True)


_LIST = ("name", "count", "page", "pages")
_DETAIL = ("package", "description", "price_line")

MESSAGES: list[MessageKey] = [
    # --- users
    M(
        "content.list.free",
        "{count:plural:one=# package|other=# packages} for you. Page {page} of {pages}.",
        _LIST,
    ),
    M(
        "content.list.vip",
        "{count:plural:one=# premium package|other=# premium packages}. Page {page} of {pages}.",
        _LIST,
    ),
    M("content.list.empty", "There is no content to show yet, {name}.", ("name",)),
    M("content.package.detail", "<b>{package}</b>\n\n{description}\n\n{price_line}", _DETAIL),
    M("content.package.price", "Price: {price:money}", ("price",)),
    M("content.package.price_on_request", "Price: on request"),
    M("content.price.on_request", "on request"),
    M("content.admin.price", "Price: {price:money}", ("price",)),
    M("content.admin.price_on_request", "Price: on request"),
    M("content.package.gone", "That package is no longer available."),
    M(
        "content.interest.recorded",
        "Noted, {name}: your interest in {package} has been passed on. "
        "Someone will write to you soon.",
        ("name", "package"),
    ),
    M(
        "content.interest.repeat",
        "Your interest in {package} is already noted, {name}.",
        ("name", "package"),
    ),
    # --- the admins' notification: one wording (the message attended repeats it, then
    # adds who attended it, so a second variant would change it under the admin's eyes)
    M(
        "content.interest.notify",
        'New interest: <a href="tg://user?id={user_id}">{who}</a> (@{username}, id '
        "{user_id}) in {package}.",
        ("who", "username", "user_id", "package"),
    ),
    M(
        "content.interest.notify_anon",
        'New interest: <a href="tg://user?id={user_id}">{who}</a> (id {user_id}) in {package}.',
        ("who", "user_id", "package"),
    ),
    M(
        "content.interest.attended_note",
        "Attended by {admin} on {when:datetime} ({zone}).",
        ("admin", "when", "zone"),
    ),
    M("content.interest.attended", "Marked as attended."),
    M(
        "content.interest.already",
        "Already attended by {admin} on {when:datetime} ({zone}).",
        ("admin", "when", "zone"),
    ),
    M("content.interest.missing", "That interest no longer exists."),
    # --- admins: packages
    M(
        "content.admin.list",
        "{count:plural:one=# content package|other=# content packages}. Page {page} of {pages}.",
        _LIST,
    ),
    M("content.admin.list_empty", "There are no content packages yet."),
    M(
        "content.admin.detail",
        "<b>{package}</b>\nCategory: {category}\nState: {state}\n{price_line}\n"
        "Media: {media}\nPosition: {position}\n\n{description}",
        ("package", "category", "state", "price_line", "media", "position", "description"),
    ),
    M("content.admin.not_found", "That package does not exist."),
    M("content.admin.deactivated", "{package} is now hidden from users.", ("package",)),
    M("content.admin.reactivated", "{package} is visible to users again.", ("package",)),
    M(
        "content.admin.moved_up",
        "{package} moved up: now {position} of {places}.",
        ("package", "position", "places"),
    ),
    M(
        "content.admin.moved_down",
        "{package} moved down: now {position} of {places}.",
        ("package", "position", "places"),
    ),
    M(
        "content.admin.already_first",
        "{package} is already first; nothing moved.",
        ("package", "position", "places"),
    ),
    M(
        "content.admin.already_last",
        "{package} is already last ({position} of {places}); nothing moved.",
        ("package", "position", "places"),
    ),
    M("content.admin.created", "Package {package} created ({category}).", ("package", "category")),
    M("content.admin.saved", "Package {package} updated.", ("package",)),
    M("content.admin.edit_choose", "What shall be changed in {package}?", ("package",)),
    M("content.admin.preview_want", "This is a preview: nothing was recorded."),
    M(
        "content.admin.preview_hidden",
        "{package} is inactive: users do not see it until it is reactivated.",
        ("package",),
    ),
    M("content.category.free", "free content"),
    M("content.category.vip", "VIP content"),
    M("content.category.premium", "VIP premium"),
    M("content.state.active", "active"),
    M("content.state.inactive", "inactive"),
    M("content.media.none", "none"),
    M("content.media.photo", "a photo"),
    M("content.media.video", "a video"),
    M("content.media.document", "a document"),
    # --- admins: the form (creating: five steps; editing: one field)
    M(
        "content.form.name",
        "Step 1 of 5: send the package's name (up to {max} characters).",
        ("max",),
    ),
    M(
        "content.form.description",
        "Step 2 of 5: send its description (up to {max} characters).",
        ("max",),
    ),
    M("content.form.category", "Step 3 of 5: who may see it? Choose a category."),
    M(
        "content.form.price",
        "Step 4 of 5: send the price with its currency (15 €, 9.99 USD), or press On request.",
    ),
    M(
        "content.form.media",
        "Step 5 of 5: send a photo, a video or a document, or press Without media.",
    ),
    M("content.edit.name", "New name for {package}? Now: {current}", ("package", "current")),
    M(
        "content.edit.description",
        "New description for {package}? Now:\n{current}",
        ("package", "current"),
    ),
    M(
        "content.edit.category",
        "New category for {package}? Now: {current}",
        ("package", "current"),
    ),
    M("content.edit.price", "New price for {package}? Now: {current}", ("package", "current")),
    M("content.edit.media", "New media for {package}? Now: {current}", ("package", "current")),
    M("content.form.invalid_name", "A name has 1 to {max} characters. Send it again.", ("max",)),
    M(
        "content.form.invalid_description",
        "A description has 1 to {max} characters. Send it again.",
        ("max",),
    ),
    M("content.form.invalid_category", "Choose the category with the buttons, please."),
    M(
        "content.form.invalid_price",
        "'{value}' is not a price. Send an amount and its currency (15 €, 9.99 USD), or press "
        "On request.",
        ("value",),
    ),
    M(
        "content.form.price_not_positive",
        "A price is more than zero. Send it again, or press On request.",
    ),
    M(
        "content.form.price_currency",
        "'{currency}' is not a currency. Write its code (EUR, USD, MXN) or symbol (€, $).",
        ("currency",),
    ),
    M("content.form.price_noted", "Price noted: {price:money}.", ("price",)),
    M(
        "content.form.invalid_media",
        "That is not a photo, a video or a document. Send one, or press Without media.",
    ),
    M("content.form.cancelled", "Cancelled: nothing was saved."),
    M(
        "content.form.discarded",
        "The package you were creating ({draft}) is discarded; nothing of it was saved.",
        ("draft",),
    ),
    M("content.form.closed", "That form is already closed; this button no longer does anything."),
    # --- admins: interests
    M(
        "content.inbox.pending",
        "{count:plural:one=# pending interest|other=# pending interests}",
        ("count",),
    ),
    M(
        "content.inbox.attended",
        "{count:plural:one=# attended interest|other=# attended interests}",
        ("count",),
    ),
    M(
        "content.inbox.confirm",
        "Mark {who}'s interest in {package} as attended? Confirm below.",
        ("who", "package"),
    ),
    M("content.inbox.only_package", "Only {package}.", ("package",)),
    M("content.inbox.only_category", "Only {category}.", ("category",)),
    M("content.inbox.empty", "Nothing here."),
    M("content.inbox.page", "Page {page} of {pages}.", ("page", "pages")),
    M(
        "content.inbox.line",
        "• {who} — {package} — {when:datetime} ({zone})",
        ("who", "package", "when", "zone"),
    ),
    M(
        "content.inbox.line_attended",
        "• {who} — {package} — attended by {admin}, {when:datetime} ({zone})",
        ("who", "package", "admin", "when", "zone"),
    ),
    M("content.inbox.counts", "<b>Interests per package</b>\n{lines}", ("lines",)),
    M("content.inbox.counts_empty", "No interests yet."),
    M(
        "content.inbox.count_line",
        "• {package}: {pending:plural:one=# pending|other=# pending}, "
        "{total:plural:one=# in total|other=# in total}",
        ("package", "pending", "total"),
    ),
    M("content.inbox.pick_package", "Which package's interests?"),
    M("content.inbox.pick_category", "Which category's interests?"),
    M("content.user.heading", "<b>{who}</b> (@{username})", ("who", "username")),
    M("content.user.heading_anon", "<b>{who}</b>", ("who",)),
    M(
        "content.user.card",
        '{heading}\nId: <code>{user_id}</code> — <a href="tg://user?id={user_id}">'
        "profile</a>\nLanguage: {language}\nFirst seen: {first_seen:datetime} ({first_zone})\n"
        "Last seen: {last_seen:datetime} ({last_zone})\n"
        "Interests: {pending:plural:one=# pending|other=# pending}, "
        "{total:plural:one=# in total|other=# in total}",
        (
            "heading",
            "user_id",
            "language",
            "first_seen",
            "first_zone",
            "last_seen",
            "last_zone",
            "pending",
            "total",
        ),
    ),
    M(
        "content.user.card_unknown",
        '{heading}\nId: <code>{user_id}</code> — <a href="tg://user?id={user_id}">'
        "profile</a>\nInterests: {pending:plural:one=# pending|other=# pending}, "
        "{total:plural:one=# in total|other=# in total}",
        ("heading", "user_id", "pending", "total"),
    ),
    # --- admins: the statistics screen's section and the user card's
    M("content.stats.title", "<b>Content</b>"),
    M(
        "content.stats.pending",
        "Pending interests: {count} ({week} of them from the last 7 days, {month} from the "
        "last 30)",
        ("count", "week", "month"),
    ),
    M(
        "content.stats.attended",
        "Attended interests: {count} ({week} in the last 7 days, {month} in the last 30)",
        ("count", "week", "month"),
    ),
    M(
        "content.stats.packages",
        "Packages: {active} active, {inactive} inactive",
        ("active", "inactive"),
    ),
    M(
        "content.card.title",
        "<b>Interests</b> · {pending:plural:one=# pending|other=# pending}, "
        "{total:plural:one=# in total|other=# in total}",
        ("pending", "total"),
    ),
    M(
        "content.card.line",
        "• {package} — {when:datetime} ({zone}) — pending",
        ("package", "when", "zone"),
    ),
    M(
        "content.card.line_attended",
        "• {package} — {when:datetime} ({zone}) — attended by {admin}, "
        "{attended:datetime} ({attended_zone})",
        ("package", "when", "zone", "admin", "attended", "attended_zone"),
    ),
    M(
        "content.card.more",
        "… and {count:plural:one=# more|other=# more}, in the Interests inbox.",
        ("count",),
    ),
    M("content.forbidden", "This option is only available to administrators."),
    # --- buttons
    _button("button.content.mine", "My content"),
    _button("button.content.premium", "Premium"),
    _button("button.content.admin.packages", "Content packages"),
    _button("button.content.admin.interests", "Interests"),
    _button("button.content.item", "{package}", ("package",)),
    _button("button.content.prev", "« Previous"),
    _button("button.content.next", "Next »"),
    _button("button.content.want", "I'm interested"),
    _button("button.content.back", "Back"),
    _button("button.content.cancel", "Cancel"),
    _button("button.content.admin.item", "{package}", ("package",)),
    _button("button.content.admin.item_off", "{package} (inactive)", ("package",)),
    _button("button.content.admin.new", "New package"),
    _button("button.content.admin.off", "Deactivate"),
    _button("button.content.admin.on", "Reactivate"),
    _button("button.content.admin.edit", "Edit"),
    _button("button.content.admin.preview", "Preview"),
    _button("button.content.admin.up", "Move up"),
    _button("button.content.admin.down", "Move down"),
    _button("button.content.admin.list", "All packages"),
    _button("button.content.admin.open", "Open the package"),
    _button("button.content.field.name", "Name"),
    _button("button.content.field.description", "Description"),
    _button("button.content.field.category", "Category"),
    _button("button.content.field.price", "Price"),
    _button("button.content.field.media", "Media"),
    _button("button.content.category.free", "Free content"),
    _button("button.content.category.vip", "VIP content"),
    _button("button.content.category.premium", "VIP premium"),
    _button("button.content.noprice", "On request"),
    _button("button.content.nomedia", "Without media"),
    _button("button.content.attend", "Attended"),
    _button("button.content.user", "View user"),
    _button("button.content.attend_one", "✓ {who} · {package}", ("who", "package")),
    _button("button.content.user_one", "See {who}", ("who",)),
    _button("button.content.attend_confirm", "✓ Yes, attended"),
    _button("button.content.attend_keep", "Not yet"),
    _button("button.content.stats.inbox", "Interests"),
    _button("button.content.inbox.pending", "Pending"),
    _button("button.content.inbox.attended", "Attended ones"),
    _button("button.content.inbox.counts", "Totals per package"),
    _button("button.content.inbox.by_pkg", "Filter by package"),
    _button("button.content.inbox.by_cat", "Filter by category"),
    _button("button.content.inbox.all", "Remove the filter"),
]
