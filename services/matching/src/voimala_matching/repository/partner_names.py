"""Partners' public names, for the public face of their openings (issue 17)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from voimala_kit.db import Connection


async def of(conn: Connection, partner_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The organisation's name by partner id: public, never a contact person's name."""
    wanted = sorted(set(partner_ids))
    if not wanted:
        return {}
    rows = await conn.fetch("SELECT id, name FROM partner WHERE id = ANY($1::uuid[])", wanted)
    return {r["id"]: r["name"] for r in rows}
