"""Partners and their contact people."""

from __future__ import annotations

import uuid
from typing import Any

from voimala_kit import Connection


async def insert(
    conn: Connection,
    partner_id: uuid.UUID,
    kind: str,
    name: str,
    business_id: str | None,
    municipality: str | None,
    contacts: list[dict[str, Any]],
) -> bool:
    """False if a partner with this business ID is already there."""
    done = await conn.fetchval(
        """INSERT INTO partner (id, kind, name, business_id, municipality)
        VALUES ($1, $2, $3, $4, $5) ON CONFLICT (business_id) DO NOTHING RETURNING id""",
        partner_id,
        kind,
        name,
        business_id,
        municipality,
    )
    if done is None:
        return False
    await conn.executemany(
        """INSERT INTO partner_contact (partner_id, user_id, name, email, phone,
        preferred_language, preferred_channel) VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        [
            (
                partner_id,
                c["user_id"],
                c["name"],
                c.get("email"),
                c.get("phone"),
                c["preferred_language"],
                c["preferred_channel"],
            )
            for c in contacts
        ],
    )
    return True


async def by_business_id(conn: Connection, business_id: str) -> uuid.UUID | None:
    found: uuid.UUID | None = await conn.fetchval(
        "SELECT id FROM partner WHERE business_id = $1", business_id
    )
    return found


async def get(conn: Connection, partner_id: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        "SELECT id, kind, name, business_id, municipality, created_at FROM partner WHERE id = $1",
        partner_id,
    )
    if row is None:
        return None
    found = dict(row)
    found["contacts"] = [
        dict(r)
        for r in await conn.fetch(
            """SELECT user_id, name, email, phone, preferred_language, preferred_channel
            FROM partner_contact WHERE partner_id = $1 ORDER BY name""",
            partner_id,
        )
    ]
    return found


async def page(
    conn: Connection, kind: str | None, after: tuple[str, uuid.UUID] | None, limit: int
) -> list[dict[str, Any]]:
    """Partners by name (then id, for a stable cursor), each with its contact people."""
    rows = await conn.fetch(
        """SELECT id, kind, name, business_id, municipality, created_at FROM partner
        WHERE ($1::text IS NULL OR kind = $1)
          AND ($2::text IS NULL OR (name, id) > ($2, $3::uuid))
        ORDER BY name, id LIMIT $4""",
        kind,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    found = {r["id"]: dict(r) | {"contacts": []} for r in rows}
    # One query for every partner's contacts on the page, not one per partner.
    for c in await conn.fetch(
        """SELECT partner_id, user_id, name, email, phone, preferred_language, preferred_channel
        FROM partner_contact WHERE partner_id = ANY($1::uuid[]) ORDER BY name""",
        list(found),
    ):
        found[c["partner_id"]]["contacts"].append(
            {k: v for k, v in dict(c).items() if k != "partner_id"}
        )
    return list(found.values())
