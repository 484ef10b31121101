"""VIP tokens: generating them, listing and revoking them, and redeeming one.

A token is single use: `VIP-` and 144 random bits. Redemption consumes it with one
conditional UPDATE (of concurrent attempts exactly one wins) and starts the user's
subscription or extends the one running, in the same transaction (`periods`).
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select, update

from lucien.core.db.models import User
from lucien.plugins.vip.models import Plan, Token
from lucien.plugins.vip.services.common import LIST_LIMIT, VipPart, log
from lucien.plugins.vip.services.periods import start_or_extend
from lucien.plugins.vip.services.plans import PlanView

# Tokens: a fixed prefix makes a pasted token recognisable; 18 random bytes are 144 bits,
# 24 URL-safe characters, 28 in all: inside the deep-link charset and 64-character limit.
TOKEN_PREFIX = "VIP-"
TOKEN_RANDOM_BYTES = 18
TOKEN_RE = re.compile(r"^VIP-[A-Za-z0-9_-]{24}$")
#: The invitation as its deep link: `https://t.me/<bot>?start=VIP-...`, also pasted without
#: the scheme, from telegram.me, or with `&start=` after other parameters.
TOKEN_LINK_RE = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:t|telegram)\.me/[A-Za-z0-9_]+/?\?(?:\S*&)?start=(VIP-[^\s&#]*)\S*$",
    re.IGNORECASE,
)
#: What a message must look like to be taken as an attempt at a token (the handler filter):
#: the bare token or its link, spaces around it forgiven.
TOKEN_LIKE_RE = re.compile(
    r"^\s*(?:VIP-\S*|(?:https?://)?(?:www\.)?(?:t|telegram)\.me/\S*start=VIP-\S*)\s*$",
    re.IGNORECASE,
)
MAX_TOKENS_PER_BATCH = 500

RedeemStatus = Literal["ok", "used", "expired", "revoked", "unknown", "malformed"]


@dataclass(frozen=True)
class RedeemResult:
    """What a redemption did: `ok` with the plan and the new end, or why it was refused."""

    status: RedeemStatus
    plan: str = ""
    days: int = 0
    ends_at: datetime | None = None
    extended: bool = False


@dataclass(frozen=True)
class TokenRow:
    """One token in an admin list."""

    id: int
    code: str
    plan: str
    expires_at: datetime
    redeemed_by: int | None = None
    redeemed_name: str | None = None
    redeemed_at: datetime | None = None


def token_code(raw: str) -> str:
    """The token a message carries: the bare token, or the one in a pasted invitation link
    (`https://t.me/<bot>?start=VIP-...`, with or without the scheme), spaces trimmed."""
    text = (raw or "").strip()
    found = TOKEN_LINK_RE.match(text)
    return found.group(1) if found else text


def new_token_code() -> str:
    """A fresh random token: `VIP-` and 144 random bits, URL-safe."""
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_RANDOM_BYTES)


class Tokens(VipPart):
    """Token batches, the admins' token lists, revocation and redemption."""

    def token_link(self, code: str) -> str:
        """The deep link that redeems `code`."""
        return f"https://t.me/{self.ctx.bot_username}?start={code}"

    async def generate_tokens(self, plan_id: int, count: int, by: int | None) -> list[str]:
        """`count` (1-500) new single-use tokens for an active plan, valid per settings."""
        if not 1 <= count <= MAX_TOKENS_PER_BATCH:
            raise ValueError(f"count must be 1-{MAX_TOKENS_PER_BATCH}")
        settings = await self.settings()
        now = self._now()
        expires = now + timedelta(days=settings.token_valid_days)
        codes = [new_token_code() for _ in range(count)]
        async with self.ctx.db.session() as s:
            plan = await s.get(Plan, plan_id)
            if plan is None or plan.archived_at is not None:
                raise LookupError("no such active plan")
            s.add_all(
                Token(code=c, plan_id=plan_id, created_by=by, created_at=now, expires_at=expires)
                for c in codes
            )
        return codes

    def tokens_csv(self, codes: list[str], plan: PlanView, expires_at: datetime) -> bytes:
        """A CSV document of tokens: code, link, plan, days, valid until (UTC)."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["token", "link", "plan", "days", "valid_until_utc"])
        for code in codes:
            writer.writerow(
                [code, self.token_link(code), plan.name, plan.days, expires_at.isoformat()]
            )
        return out.getvalue().encode("utf-8")

    async def token_expiry(self) -> datetime:
        """When tokens generated now stop being redeemable."""
        return self._now() + timedelta(days=(await self.settings()).token_valid_days)

    async def unused_tokens(self, limit: int = LIST_LIMIT) -> list[TokenRow]:
        """Tokens still redeemable, newest first."""
        now = self._now()
        async with self.ctx.db.session(readonly=True) as s:
            rows = await s.execute(
                select(Token.id, Token.code, Plan.name, Token.expires_at)
                .join(Plan, Plan.id == Token.plan_id)
                .where(
                    Token.redeemed_by.is_(None), Token.revoked_at.is_(None), Token.expires_at > now
                )
                .order_by(Token.id.desc())
                .limit(limit)
            )
            return [TokenRow(r.id, r.code, r.name, r.expires_at) for r in rows]

    async def redeemed_tokens(self, limit: int = LIST_LIMIT) -> list[TokenRow]:
        """Redeemed tokens with who redeemed them, latest first."""
        async with self.ctx.db.session(readonly=True) as s:
            rows = await s.execute(
                select(
                    Token.id,
                    Token.code,
                    Plan.name,
                    Token.expires_at,
                    Token.redeemed_by,
                    Token.redeemed_at,
                    User.first_name,
                    User.username,
                )
                .join(Plan, Plan.id == Token.plan_id)
                .outerjoin(User, User.id == Token.redeemed_by)
                .where(Token.redeemed_by.is_not(None))
                .order_by(Token.redeemed_at.desc(), Token.id.desc())
                .limit(limit)
            )
            return [
                TokenRow(
                    r.id,
                    r.code,
                    r.name,
                    r.expires_at,
                    r.redeemed_by,
                    r.first_name or r.username,
                    r.redeemed_at,
                )
                for r in rows
            ]

    async def revoke_token(self, token_id: int) -> str | None:
        """Revoke an unused token; its code, or None if it was already used or revoked."""
        async with self.ctx.db.session() as s:
            code = await s.scalar(
                update(Token)
                .where(
                    Token.id == token_id, Token.redeemed_by.is_(None), Token.revoked_at.is_(None)
                )
                .values(revoked_at=self._now())
                .returning(Token.code)
                .execution_options(synchronize_session=False)
            )
        return code

    async def redeem(self, user_id: int, raw: str) -> RedeemResult:
        """Consume a token atomically and start or extend the user's subscription.

        One conditional UPDATE consumes the token: of any number of concurrent attempts
        exactly one matches the row; the others see it redeemed and are told it is used.
        """
        code = token_code(raw)
        if not TOKEN_RE.match(code):
            return RedeemResult("malformed")
        now = self._now()
        async with self.ctx.db.session() as s:
            plan_id = await s.scalar(
                update(Token)
                .where(
                    Token.code == code,
                    Token.redeemed_by.is_(None),
                    Token.revoked_at.is_(None),
                    Token.expires_at > now,
                )
                .values(redeemed_by=user_id, redeemed_at=now)
                .returning(Token.plan_id)
                .execution_options(synchronize_session=False)
            )
            if plan_id is None:
                return RedeemResult(await self._refusal(s, code))
            plan = await s.get(Plan, plan_id)
            assert plan is not None  # a foreign key
            change = await start_or_extend(
                self.ctx,
                s,
                user_id=user_id,
                plan_id=plan_id,
                days=plan.days,
                now=now,
                source="token",
            )
            active = change.extended
            result = RedeemResult("ok", plan.name, plan.days, change.ends_at, extended=active)
        await self.ctx.invalidate_role(user_id)
        log.info("user %s redeemed a token for plan %s (extended=%s)", user_id, plan_id, active)
        return result

    @staticmethod
    async def _refusal(s: Any, code: str) -> RedeemStatus:
        row = (
            await s.execute(select(Token.redeemed_by, Token.revoked_at).where(Token.code == code))
        ).first()
        if row is None:
            return "unknown"
        if row.redeemed_by is not None:
            return "used"
        if row.revoked_at is not None:
            return "revoked"
        return "expired"
