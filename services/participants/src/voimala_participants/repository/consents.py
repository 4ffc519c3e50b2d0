"""Consent records: appended, never changed; the newest per purpose is in force."""

from __future__ import annotations

import uuid

from voimala_kit.db import Connection
from voimala_kit.rows import Table

from ..domain import Consent

CONSENTS = Table("consent", Consent)
#: The database stamps `recorded_at`.
_INSERT = CONSENTS.insert(columns=[c for c in CONSENTS.columns if c != "recorded_at"])
_HISTORY = CONSENTS.select("WHERE participant_id = $1 ORDER BY recorded_at DESC, id DESC")


async def record(
    conn: Connection,
    participant_id: uuid.UUID,
    purpose: str,
    granted: bool,
    text_version: str,
    recorded_by: str,
) -> Consent:
    record = await conn.fetchrow(
        _INSERT, participant_id, purpose, granted, text_version, recorded_by
    )
    assert record is not None
    return CONSENTS.load(record)


async def history(conn: Connection, participant_id: uuid.UUID) -> list[Consent]:
    """Every record, newest first."""
    return CONSENTS.load_all(await conn.fetch(_HISTORY, participant_id))
