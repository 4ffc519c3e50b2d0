"""Events whose answerer (a partner's contact people, a mentor) is not known yet: partner and
proposal events have different keys, so a proposal may overtake its partner's registration.
Kept as they came, and applied again when the partner or mentor arrives."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from voimala_kit.db import Connection
from voimala_kit.rows import Table


@dataclass(frozen=True)
class Waiting:
    owner_kind: str  # partner | mentor
    owner_id: uuid.UUID
    event_id: uuid.UUID
    envelope: bytes  # the CloudEvent as it was read


WAITING = Table("waiting_event", Waiting, key="event_id")

_WAIT = WAITING.insert("ON CONFLICT DO NOTHING")
_TAKE = "DELETE FROM waiting_event WHERE owner_kind = $1 AND owner_id = $2 RETURNING envelope"


async def wait(conn: Connection, waiting: Waiting) -> None:
    await conn.execute(_WAIT, *WAITING.values(waiting))


async def take(conn: Connection, owner_kind: str, owner_id: uuid.UUID) -> list[bytes]:
    """The envelopes that waited for this partner or mentor, no longer waiting."""
    return [r["envelope"] for r in await conn.fetch(_TAKE, owner_kind, owner_id)]
