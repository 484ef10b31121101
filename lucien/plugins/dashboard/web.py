"""The dashboard's HTTP routes (thin, like handlers: the services check and compute).

    GET /dashboard?t=<link>     first open of a login link: a session cookie, then on to
                                the clean /dashboard (the token leaves the address bar)
    GET /dashboard              the page, for a valid session cookie
    GET /dashboard/data.json    the figures the page draws, every few seconds
    GET /dashboard/static/NAME  the page's script and style (shipped in the package)

Anything without a valid link or cookie gets 403. The page loads nothing from elsewhere:
its Content-Security-Policy allows this origin only.
"""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from lucien.plugins.dashboard.services import Visitor, auth, figures
from lucien.plugins.dashboard.services.common import log

if TYPE_CHECKING:
    from lucien.core.context import AppContext

STATIC = Path(__file__).parent / "static"
ASSETS = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}
COOKIE = "lucien_dashboard"
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
}


@cache
def strings() -> dict[str, dict[str, str]]:
    """The page's texts by language (es, en)."""
    loaded: dict[str, dict[str, str]] = json.loads((STATIC / "strings.json").read_text())
    return loaded


def _page(name: str, language: str, status: int = 200) -> web.Response:
    texts = strings().get(language, strings()["en"])
    body = (STATIC / name).read_text()
    for key, value in texts.items():
        body = body.replace("{{" + key + "}}", html.escape(value))
    body = body.replace("{{lang}}", language)
    return web.Response(text=body, status=status, content_type="text/html", headers=HEADERS)


def _forbidden(request: web.Request) -> web.Response:
    language = "es" if request.headers.get("Accept-Language", "")[:2].lower() == "es" else "en"
    return _page("forbidden.html", language, status=403)


def _secure(ctx: AppContext, request: web.Request) -> bool:
    """Whether the visitor reached us over https (directly or through Railway's proxy)."""
    base = ctx.settings.webhook_url_base or ""
    return (
        request.secure
        or request.headers.get("X-Forwarded-Proto", "") == "https"
        or base.startswith("https://")
    )


def add_routes(ctx: AppContext, app: web.Application) -> None:
    """Register the dashboard's routes on the bot's HTTP application."""

    async def visitor(request: web.Request) -> Visitor | None:
        return await auth(ctx).check_cookie(request.cookies.get(COOKIE))

    async def page(request: web.Request) -> web.Response:
        token = request.query.get("t")
        if token is not None:
            return await login(request, token)
        who = await visitor(request)
        if who is None:
            return _forbidden(request)
        return _page("dashboard.html", who.language)

    async def login(request: web.Request, token: str) -> web.Response:
        """A valid, unused link: the cookie, and on to the clean /dashboard."""
        who = await auth(ctx).open_link(token)
        if who is None:
            return _forbidden(request)
        value, lifetime = auth(ctx).session_cookie(who)
        # A page that moves on by itself rather than a 303: the link is usually followed
        # from Telegram (another site), and a browser keeps a redirect of that navigation
        # cross-site, so the SameSite=Strict cookie would not go with it; the refresh
        # starts from this page, of this site.
        response = _page("opening.html", who.language)
        response.set_cookie(
            COOKIE,
            value,
            max_age=lifetime,
            path="/dashboard",
            httponly=True,
            samesite="Strict",
            secure=_secure(ctx, request),
        )
        return response

    async def data(request: web.Request) -> web.Response:
        who = await visitor(request)
        if who is None:
            return web.json_response({"error": "forbidden"}, status=403, headers=HEADERS)
        try:
            body: dict[str, Any] = await figures(ctx, who.language)
        except Exception as exc:  # the database away: the page says so and keeps asking
            log.warning("dashboard figures failed: %r", exc)
            return web.json_response({"error": "unavailable"}, status=503, headers=HEADERS)
        body["strings"] = strings().get(who.language, strings()["en"])
        return web.json_response(body, headers=HEADERS)

    async def asset(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in ASSETS:  # a fixed list: no path ever reaches the file system
            raise web.HTTPNotFound()
        return web.Response(
            body=(STATIC / name).read_bytes(),
            content_type=ASSETS[name],
            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
        )

    app.router.add_get("/dashboard", page)
    app.router.add_get("/dashboard/data.json", data)
    app.router.add_get("/dashboard/static/{name}", asset)
