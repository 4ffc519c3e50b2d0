"""Sign-in links, the rate-limit counters of asking for them, and staff sign-ins on their way
through the identity provider. Every secret (link token, OIDC state) is stored as SHA-256 only."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from voimala_kit import Connection

#: Advisory-lock namespace of the rate limits (the kit's relay and notifications use others).
_LIMIT_LOCK = 7_305_200


def digest(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


def new_token() -> str:
    """A link token: 256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


# --- rate limits ---------------------------------------------------------------------------


async def over_limit(
    conn: Connection, keys: list[tuple[bytes, int]], now: datetime, window: timedelta
) -> int | None:
    """Count one attempt for every key unless one of them is already at its limit: then the
    seconds until that key may ask again (nothing is counted). `keys` are (hash, limit)."""
    waits = []
    for key, limit in keys:
        # One request per key at a time, so that two at once cannot both pass the count.
        await conn.execute(
            "SELECT pg_advisory_xact_lock($1, $2)",
            _LIMIT_LOCK,
            int.from_bytes(key[:4], signed=True),
        )
        rows = await conn.fetch(
            """SELECT at FROM signin_attempt WHERE key_hash = $1 AND at > $2
               ORDER BY at DESC LIMIT $3""",
            key,
            now - window,
            limit,
        )
        if len(rows) >= limit:
            oldest_counted: datetime = rows[-1]["at"]
            waits.append(max(1, int((oldest_counted + window - now).total_seconds()) + 1))
    if waits:
        return max(waits)
    await conn.executemany(
        "INSERT INTO signin_attempt (key_hash, at) VALUES ($1, $2)", [(k, now) for k, _ in keys]
    )
    return None


# --- links ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    id: uuid.UUID
    expires_at: datetime
    used_at: datetime | None
    next_path: str | None
    subject: str | None
    role: str | None
    org: uuid.UUID | None
    display_name: str | None


async def create(
    conn: Connection, token: str, next_path: str | None, now: datetime, valid: timedelta
) -> Link:
    link_id = uuid.uuid4()
    await conn.execute(
        """INSERT INTO signin_link (id, token_hash, next_path, created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5)""",
        link_id,
        digest(token),
        next_path,
        now,
        now + valid,
    )
    return Link(link_id, now + valid, None, next_path, None, None, None, None)


def _link(row: Any) -> Link:
    return Link(
        row["id"],
        row["expires_at"],
        row["used_at"],
        row["next_path"],
        row["subject"],
        row["role"],
        row["org"],
        row["display_name"],
    )


_SELECT = """SELECT id, expires_at, used_at, next_path, subject, role, org, display_name
             FROM signin_link WHERE token_hash = $1"""


async def find(conn: Connection, token: str, *, lock: bool = False) -> Link | None:
    row = await conn.fetchrow(_SELECT + (" FOR UPDATE" if lock else ""), digest(token))
    return _link(row) if row is not None else None


async def mark_used(conn: Connection, link_id: uuid.UUID, now: datetime) -> bool:
    """True when this call used the link (it was still unused)."""
    used = await conn.fetchval(
        "UPDATE signin_link SET used_at = $2 WHERE id = $1 AND used_at IS NULL RETURNING id",
        link_id,
        now,
    )
    return used is not None


async def identify(
    conn: Connection,
    link_id: uuid.UUID,
    *,
    subject: str,
    role: str,
    org: uuid.UUID | None,
    display_name: str,
    now: datetime,
) -> bool:
    """Whom the link is for, as notifications found; the first answer stays."""
    done = await conn.fetchval(
        """UPDATE signin_link SET subject = $2, role = $3, org = $4, display_name = $5,
                                  identified_at = $6
            WHERE id = $1 AND subject IS NULL RETURNING id""",
        link_id,
        subject,
        role,
        org,
        display_name,
        now,
    )
    return done is not None


# --- staff sign-in through OpenID Connect --------------------------------------------------


@dataclass(frozen=True)
class OidcRequest:
    nonce: str
    code_verifier: str
    next_path: str | None


async def start_oidc(
    conn: Connection,
    state: str,
    request: OidcRequest,
    now: datetime,
    valid: timedelta,
) -> None:
    await conn.execute(
        """INSERT INTO oidc_request (state_hash, nonce, code_verifier, next_path, expires_at)
           VALUES ($1, $2, $3, $4, $5)""",
        digest(state),
        request.nonce,
        request.code_verifier,
        request.next_path,
        now + valid,
    )


async def take_oidc(conn: Connection, state: str, now: datetime) -> OidcRequest | None:
    """The sign-in this state started, once: it is removed as it is read."""
    row = await conn.fetchrow(
        """DELETE FROM oidc_request WHERE state_hash = $1
           RETURNING nonce, code_verifier, next_path, expires_at""",
        digest(state),
    )
    if row is None or row["expires_at"] <= now:
        return None
    return OidcRequest(row["nonce"], row["code_verifier"], row["next_path"])


async def purge(conn: Connection, now: datetime, window: timedelta) -> int:
    """Drop expired links and staff sign-ins, and attempts past the rate-limit window."""
    removed = 0
    for sql, arg in (
        # Kept a day past expiry, so that a late click is told "expired", not "unknown".
        ("DELETE FROM signin_link WHERE expires_at <= $1", now - timedelta(days=1)),
        ("DELETE FROM oidc_request WHERE expires_at <= $1", now),
        ("DELETE FROM signin_attempt WHERE at <= $1", now - window),
    ):
        status = await conn.execute(sql, arg)
        removed += int(status.split()[-1])
    return removed
