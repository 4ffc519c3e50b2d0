"""Signed-in sessions. The cookie holds a random id; the table only its SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from voimala_kit import Connection


@dataclass(frozen=True)
class SessionUser:
    """Who is signed in, as the portal mints their tokens: one role, a subject, an org."""

    subject: str
    role: str
    org: UUID | None
    display_name: str
    via: str


def _hash(raw: str) -> bytes:
    return hashlib.sha256(raw.encode()).digest()


async def create(conn: Connection, user: SessionUser, now: datetime, max_age: timedelta) -> str:
    """A new session; returns the raw id for the cookie."""
    raw = secrets.token_urlsafe(32)
    await conn.execute(
        """INSERT INTO session (id_hash, subject, role, org, display_name, via, created_at,
                                last_seen_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)""",
        _hash(raw),
        user.subject,
        user.role,
        user.org,
        user.display_name,
        user.via,
        now,
        now + max_age,
    )
    return raw


async def touch(conn: Connection, raw: str, now: datetime, idle: timedelta) -> SessionUser | None:
    """The session's person if it is still valid (then its idle clock starts again)."""
    row = await conn.fetchrow(
        """UPDATE session SET last_seen_at = $2
            WHERE id_hash = $1 AND expires_at > $2 AND last_seen_at > $2 - $3::interval
        RETURNING subject, role, org, display_name, via""",
        _hash(raw),
        now,
        idle,
    )
    if row is None:
        return None
    return SessionUser(row["subject"], row["role"], row["org"], row["display_name"], row["via"])


async def delete(conn: Connection, raw: str) -> None:
    await conn.execute("DELETE FROM session WHERE id_hash = $1", _hash(raw))


async def purge(conn: Connection, now: datetime, idle: timedelta) -> int:
    """Drop sessions past their end or idle too long; returns how many."""
    status = await conn.execute(
        "DELETE FROM session WHERE expires_at <= $1 OR last_seen_at <= $1 - $2::interval",
        now,
        idle,
    )
    return int(status.split()[-1])
