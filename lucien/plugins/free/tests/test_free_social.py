"""The creator's social links as admins write them (issue 20): one per line, after commas
or spaces; `https://` only, an `http://` link refused saying why; a bare @handle is a
Telegram username. The model, the environment, and an admin typing them in chat.
"""

from __future__ import annotations

from typing import Any

import pytest

from lucien.core.config_store import SettingError
from lucien.plugins.free.services import FreeSettings
from lucien.plugins.free.social import MAX_BUTTONS, buttons, split_links

pytestmark = pytest.mark.lucien(plugins=["voice", "free"])


@pytest.mark.parametrize(
    "typed",
    [
        "https://instagram.com/diana\n@diana_tv\nhttps://example.org",
        "https://instagram.com/diana, @diana_tv, https://example.org",
        "https://instagram.com/diana @diana_tv   https://example.org",
        "https://instagram.com/diana,@diana_tv\n\n https://example.org ;",
        ["https://instagram.com/diana, @diana_tv", " https://example.org "],
        '["https://instagram.com/diana", "@diana_tv", "https://example.org"]',
    ],
)
def test_one_per_line_commas_or_spaces_are_the_same_links(typed: Any) -> None:
    settings = FreeSettings.model_validate({"social_links": typed})
    assert settings.social_links == [
        "https://instagram.com/diana",
        "@diana_tv",
        "https://example.org",
    ]


def test_a_link_typed_twice_is_kept_once() -> None:
    assert split_links("https://x.com/d, https://x.com/d\nhttps://x.com/d") == ["https://x.com/d"]


@pytest.mark.parametrize(
    "bad",
    ["http://instagram.com/diana", "HTTP://x.com/d", "https://ok.example, http://x.com/d"],
)
def test_http_is_refused_with_its_reason(bad: str) -> None:
    with pytest.raises(ValueError, match=r"starts with http://; only https:// links"):
        FreeSettings.model_validate({"social_links": bad})


@pytest.mark.parametrize(
    "bad",
    [
        "instagram.com/diana",
        "ftp://x.org",
        "@ab",
        "https://",
        "https://localhost",
        "mailto:d@x.org",
    ],
)
def test_what_is_neither_https_nor_a_handle_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="neither an https:// link nor an @handle"):
        FreeSettings.model_validate({"social_links": [bad]})


def test_the_environment_may_list_them_with_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FREE_SOCIAL_LINKS", "https://tiktok.com/@diana,@diana_tv")
    assert FreeSettings.model_validate({}).social_links == [
        "https://tiktok.com/@diana",
        "@diana_tv",
    ]


def test_buttons_name_the_network_and_tell_two_of_one_apart() -> None:
    shown = buttons(
        [
            "https://www.instagram.com/diana/",
            "https://instagram.com/diana_backstage",
            "https://twitter.com/diana",
            "https://youtu.be/abc",
            "https://m.facebook.com/diana",
            "https://vm.tiktok.com/@diana",
            "https://shop.example.org/diana",
            "@diana_tv",
        ]
    )
    assert [(b.label, b.url) for b in shown] == [
        ("Instagram · diana", "https://www.instagram.com/diana/"),
        ("Instagram · diana_backstage", "https://instagram.com/diana_backstage"),
        ("X", "https://twitter.com/diana"),
        ("YouTube", "https://youtu.be/abc"),
        ("Facebook", "https://m.facebook.com/diana"),
        ("TikTok", "https://vm.tiktok.com/@diana"),
        ("shop.example.org", "https://shop.example.org/diana"),
        ("Telegram", "https://t.me/diana_tv"),
    ]
    many = [f"https://site{n}.example/diana" for n in range(MAX_BUTTONS + 5)]
    assert len(buttons(many)) == MAX_BUTTONS


async def test_saving_an_http_link_is_refused_and_nothing_changes(harness: Any) -> None:
    await harness.start_app()
    ctx = harness.ctx
    version = await ctx.config.version("free", "social_links")
    await ctx.config.update(
        "free", "social_links", "https://x.com/diana", expected_version=version, by=None
    )
    with pytest.raises(SettingError, match="only https:// links are accepted"):
        await ctx.config.update(
            "free",
            "social_links",
            "https://instagram.com/diana, http://example.org",
            expected_version=version + 1,
            by=None,
        )
    assert (await ctx.config.get("free")).social_links == ["https://x.com/diana"]


async def test_show_wait_is_one_or_zero(harness: Any) -> None:
    await harness.start_app()
    ctx = harness.ctx
    assert (await ctx.config.get("free")).show_wait == 1  # the original showed the wait
    for bad in (2, -1):
        with pytest.raises(SettingError):
            await ctx.config.update("free", "show_wait", bad, expected_version=0, by=None)
    await ctx.config.update("free", "show_wait", 0, expected_version=0, by=None)
    assert (await ctx.config.get("free")).show_wait == 0


@pytest.mark.lucien(plugins=["voice", "free", "admin"])
async def test_an_admin_types_them_in_chat(harness: Any) -> None:
    """Through the admins' editor as it stands: commas on one line are several links; an
    http:// link is refused in the admin's language, naming https://, and nothing saved."""
    ada = harness.admin("Ada", language_code="es")
    await harness.start_app()
    await ada.send("/config")
    await ada.click("Redes sociales")
    await ada.send("https://instagram.com/diana,https://tiktok.com/@diana,@diana_tv")
    assert (await harness.ctx.config.get("free")).social_links == [
        "https://instagram.com/diana",
        "https://tiktok.com/@diana",
        "@diana_tv",
    ]
    await ada.send("/config")
    await ada.click("Redes sociales")
    await ada.send("https://x.com/diana\nhttp://example.org")
    refusal = ada.last_text
    assert "https://" in refusal and "example.org" in refusal
    assert "only https" not in refusal and "neither" not in refusal  # no English reason
    assert (await harness.ctx.config.get("free")).social_links == [
        "https://instagram.com/diana",
        "https://tiktok.com/@diana",
        "@diana_tv",
    ]
