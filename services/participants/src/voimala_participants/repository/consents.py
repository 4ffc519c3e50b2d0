"""Consent records: appended, never changed; the newest per purpose is in force."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from voimala_kit import Connection

_INSERT = """
INSERT INTO consent (participant_id, purpose, granted, text_version, recorded_by)
VALUES ($1, $2, $3, $4, $5)
RETURNING recorded_at
"""
_HISTORY = """
SELECT purpose, granted, text_version, recorded_by, recorded_at FROM consent
WHERE participant_id = $1
ORDER BY recorded_at DESC, id DESC
"""


async def record(
    conn: Connection,
    participant_id: uuid.UUID,
    purpose: str,
    granted: bool,
    text_version: str,
    recorded_by: str,
) -> datetime:
    at: datetime = await conn.fetchval(
        _INSERT, participant_id, purpose, granted, text_version, recorded_by
    )
    return at


async def history(conn: Connection, participant_id: uuid.UUID) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(_HISTORY, participant_id)]


def current(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The newest record per purpose, from a history that is newest first."""
    seen: dict[str, dict[str, Any]] = {}
    for r in records:
        seen.setdefault(r["purpose"], r)
    return list(seen.values())
