"""Consent records: appended, never changed; the newest per purpose is in force."""

from __future__ import annotations

import uuid

from voimala_kit.db import Connection
from voimala_kit.rows import Table

from ..domain import Consent

CONSENTS = Table("consent", Consent)
_INSERT = CONSENTS.insert()
_HISTORY = CONSENTS.select("WHERE participant_id = $1 ORDER BY recorded_at DESC, id DESC")


async def record(conn: Connection, consent: Consent) -> None:
    await conn.execute(_INSERT, *CONSENTS.values(consent))


async def history(conn: Connection, participant_id: uuid.UUID) -> list[Consent]:
    """Every record, newest first."""
    return [Consent(**r) for r in await conn.fetch(_HISTORY, participant_id)]
