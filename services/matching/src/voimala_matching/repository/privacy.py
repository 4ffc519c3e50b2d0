"""What the rights of access and erasure keep: who was erased, and which requests were answered.

Both tables hold ids and times only: no profile, no proposal.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from voimala_kit.db import Connection

_ANSWERED = """
INSERT INTO privacy_answered (request_id, kind) VALUES ($1, $2)
ON CONFLICT DO NOTHING RETURNING request_id
"""
# The erasure's time, the first one's if the participant was erased before (a later request
# with another id changes nothing: the row says when they were erased, and by which request).
_ERASED = """
WITH added AS (
    INSERT INTO erased_participants (participant_id, erasure_id) VALUES ($1, $2)
    ON CONFLICT DO NOTHING RETURNING erased_at
)
SELECT erased_at FROM added
UNION ALL SELECT erased_at FROM erased_participants WHERE participant_id = $1
LIMIT 1
"""


async def answer_once(conn: Connection, request_id: uuid.UUID, kind: str) -> bool:
    """True the first time a request is seen; False for a repeat (answered before)."""
    done = await conn.fetchval(_ANSWERED, request_id, kind)
    return done is not None


async def is_erased(conn: Connection, participant_id: uuid.UUID) -> bool:
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM erased_participants WHERE participant_id = $1)",
        participant_id,
    )
    return found


async def erased_at(conn: Connection, participant_id: uuid.UUID) -> datetime | None:
    at: datetime | None = await conn.fetchval(
        "SELECT erased_at FROM erased_participants WHERE participant_id = $1", participant_id
    )
    return at


async def mark_erased(
    conn: Connection, participant_id: uuid.UUID, erasure_id: uuid.UUID
) -> datetime:
    """Remember the participant as erased; when they were (the first erasure's time)."""
    at: datetime = await conn.fetchval(_ERASED, participant_id, erasure_id)
    return at
