"""The frame point (lucien.core.framing) on its own: which methods it frames, once, within
Telegram's limits (conversations through the emulator are in the voice plugin's suite)."""

from __future__ import annotations

from aiogram.methods import (
    AnswerCallbackQuery,
    CopyMessage,
    EditMessageText,
    SendMessage,
    SendPhoto,
)
from aiogram.types import MessageEntity

from lucien.core.framing import MAX_TEXT, Framer, visible_length

HEADER = "🎩 <b>Lucien:</b>\n"  # 10 characters once parsed, 11 UTF-16 units


def framer() -> Framer:
    return Framer(HEADER)


def test_a_text_to_a_private_chat_is_framed_once() -> None:
    method = SendMessage(chat_id=42, text="Hola")
    framer().method(method)
    assert method.text == HEADER + "Hola"
    framer().method(method)  # again (a retry, polling after the middleware): unchanged
    assert method.text == HEADER + "Hola"


def test_an_edit_frames_its_new_text() -> None:
    method = EditMessageText(chat_id=42, message_id=7, text="Pantalla dos")
    assert framer().method(method).text == HEADER + "Pantalla dos"


def test_groups_channels_inline_messages_copies_and_alerts_are_left_alone() -> None:
    group = SendMessage(chat_id=-100123, text="Aviso")
    by_name = SendMessage(chat_id="@canal", text="Aviso")
    inline = EditMessageText(inline_message_id="abc", text="Aviso")
    copy = CopyMessage(chat_id=42, from_chat_id=42, message_id=1, caption="Leyenda")
    alert = AnswerCallbackQuery(callback_query_id="q", text="Alerta", show_alert=True)
    for method in (group, by_name, inline, copy, alert):
        framer().method(method)
    assert [group.text, by_name.text, inline.text, copy.caption, alert.text] == [
        "Aviso", "Aviso", "Aviso", "Leyenda", "Alerta",
    ]  # fmt: skip


def test_explicit_entities_or_another_parse_mode_are_left_alone() -> None:
    entities = SendMessage(
        chat_id=42, text="Hola", entities=[MessageEntity(type="bold", offset=0, length=4)]
    )
    plain = SendMessage(chat_id=42, text="Hola", parse_mode=None)
    markdown = SendMessage(chat_id=42, text="*Hola*", parse_mode="MarkdownV2")
    html = SendMessage(chat_id=42, text="Hola", parse_mode="HTML")
    for method in (entities, plain, markdown, html):
        framer().method(method)
    assert [entities.text, plain.text, markdown.text] == ["Hola", "Hola", "*Hola*"]
    assert html.text == HEADER + "Hola"
    # A bot whose default parse mode is not HTML: a method that leaves it to the default.
    assert Framer(HEADER, html_default=False).method(SendMessage(chat_id=42, text="x")).text == "x"


def test_a_caption_is_framed_within_its_own_limit() -> None:
    photo = SendPhoto(chat_id=42, photo="file-id", caption="Una foto")
    assert framer().method(photo).caption == HEADER + "Una foto"
    bare = SendPhoto(chat_id=42, photo="file-id")
    assert framer().method(bare).caption is None
    room = SendPhoto(chat_id=42, photo="file-id", caption="f" * 1013)  # 1,013 + 11 = 1,024
    assert framer().method(room).caption == HEADER + "f" * 1013
    long = SendPhoto(chat_id=42, photo="file-id", caption="f" * 1014)
    assert framer().method(long).caption == "f" * 1014


def test_the_limit_counts_what_telegram_reads_not_the_markup() -> None:
    room = MAX_TEXT - visible_length(HEADER)
    assert framer().text("x" * room) == HEADER + "x" * room
    assert framer().text("x" * (room + 1)) == "x" * (room + 1)
    # Markup takes no room once parsed: a long text in bold still fits.
    bold = "<b>" + "x" * room + "</b>"
    assert framer().text(bold) == HEADER + bold
    # An emoji outside the basic plane counts two: half as many fit.
    emoji = "🎩" * (room // 2 + 1)
    assert framer().text(emoji) == emoji
    assert visible_length("&lt;b&gt; 🎩") == 6


def test_no_header_frames_nothing() -> None:
    method = SendMessage(chat_id=42, text="Hola")
    Framer("").method(method)
    assert method.text == "Hola"
