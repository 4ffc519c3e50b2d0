"""Recipients, as projected from other services' events and the person's own preferences, and
whom a partner or mentor is (`recipient_of`: its contact people, the mentor's login)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from voimala_kit.db import Connection
from voimala_kit.rows import Table

from ..domain.recipients import Preferences, Recipient

RECIPIENTS = Table("recipient", Recipient)

# An erased participant is never brought back by an event about them (a replay, a late one).
_NOT_ERASED = "WHERE NOT EXISTS (SELECT 1 FROM erased_participants WHERE participant_id = $1::uuid)"
_UPSERT = f"""
INSERT INTO recipient (id, kind, preferred_language, given_name, email, phone, preferred_channel,
    family_name)
SELECT $1::uuid, $2, $3, $4, $5, $6, $7, $8 {_NOT_ERASED}
ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind,
    preferred_language = EXCLUDED.preferred_language, given_name = EXCLUDED.given_name,
    family_name = EXCLUDED.family_name,
    email = EXCLUDED.email, phone = EXCLUDED.phone,
    preferred_channel = EXCLUDED.preferred_channel, updated_at = now()
"""
_SET_LANGUAGE = f"""
INSERT INTO recipient (id, kind, preferred_language) SELECT $1::uuid, $2, $3 {_NOT_ERASED}
ON CONFLICT (id) DO UPDATE SET preferred_language = EXCLUDED.preferred_language, updated_at = now()
"""
_ENSURE = f"""
INSERT INTO recipient (id, kind, preferred_language) SELECT $1::uuid, $2, 'fi' {_NOT_ERASED}
ON CONFLICT (id) DO NOTHING
"""
_CONSENT = {
    "email": "UPDATE recipient SET email_allowed = $2, updated_at = now() WHERE id = $1",
    "sms": "UPDATE recipient SET sms_allowed = $2, updated_at = now() WHERE id = $1",
}
_EXITED = "UPDATE recipient SET status = 'exited', updated_at = now() WHERE id = $1"
_ONE = RECIPIENTS.select("WHERE id = $1")
# Those of the ids not known yet are added (as `ensure` does), and all are read, in one round
# trip: the new rows come from the INSERT's RETURNING (the SELECT's snapshot predates them).
_ENSURE_MANY = f"""
WITH added AS (
    INSERT INTO recipient (id, kind, preferred_language)
    SELECT w.id, $2, 'fi' FROM unnest($1::uuid[]) AS w(id)
    WHERE NOT EXISTS (SELECT 1 FROM erased_participants e WHERE e.participant_id = w.id)
    ON CONFLICT (id) DO NOTHING
    RETURNING {RECIPIENTS.column_list})
{RECIPIENTS.select("WHERE id = ANY($1::uuid[])")}
UNION ALL SELECT {RECIPIENTS.column_list} FROM added
"""  # noqa: S608 - the columns come from code
_MANY = RECIPIENTS.select("WHERE id = ANY($1::uuid[])")
_STAFF = "SELECT id FROM recipient WHERE kind = 'staff' AND status = 'active' ORDER BY id"
_SET_PREFERENCES = RECIPIENTS.update(
    ["preferred_language", "channels", "opted_out", "quiet_start", "quiet_end", "digest"],
    also="updated_at = now()",
)
_REGISTER_STAFF = """
INSERT INTO recipient (id, kind, preferred_language, given_name, email, preferred_channel)
VALUES ($1, 'staff', $2, $3, $4, 'email')
ON CONFLICT (id) DO UPDATE SET preferred_language = EXCLUDED.preferred_language,
    given_name = EXCLUDED.given_name, email = EXCLUDED.email, status = 'active',
    updated_at = now()
WHERE recipient.kind = 'staff'
RETURNING id
"""
_FORGET_OWNER = "DELETE FROM recipient_of WHERE owner_kind = $1 AND owner_id = $2"
_ADD_OWNER = """
INSERT INTO recipient_of (owner_kind, owner_id, recipient_id) VALUES ($1, $2, $3)
ON CONFLICT DO NOTHING
"""
_OWNED = """
SELECT recipient_id FROM recipient_of WHERE owner_kind = $1 AND owner_id = $2
ORDER BY recipient_id
"""


async def upsert(
    conn: Connection,
    recipient_id: uuid.UUID,
    *,
    kind: str,
    language: str,
    given_name: str | None,
    email: str | None,
    phone: str | None,
    preferred_channel: str = "in_app",
    family_name: str | None = None,
) -> None:
    """Keep a person's contact as the event that carries it says (a projection)."""
    await conn.execute(
        _UPSERT,
        recipient_id,
        kind,
        language,
        given_name,
        email,
        phone,
        preferred_channel,
        family_name,
    )


async def set_language(conn: Connection, recipient_id: uuid.UUID, kind: str, language: str) -> None:
    await conn.execute(_SET_LANGUAGE, recipient_id, kind, language)


async def ensure(conn: Connection, recipient_id: uuid.UUID, kind: str) -> None:
    """A recipient row for someone not known yet (their contact may come later)."""
    await conn.execute(_ENSURE, recipient_id, kind)


async def set_consent(
    conn: Connection, recipient_id: uuid.UUID, channel: str, granted: bool
) -> None:
    await conn.execute(_ENSURE, recipient_id, "participant")
    await conn.execute(_CONSENT[channel], recipient_id, granted)


async def set_exited(conn: Connection, recipient_id: uuid.UUID) -> None:
    await conn.execute(_ENSURE, recipient_id, "participant")
    await conn.execute(_EXITED, recipient_id)


async def one(conn: Connection, recipient_id: uuid.UUID) -> Recipient | None:
    row = await conn.fetchrow(_ONE, recipient_id)
    return RECIPIENTS.load(row) if row is not None else None


async def many(conn: Connection, ids: Sequence[uuid.UUID]) -> list[Recipient]:
    """The recipients of these ids that are known (in no particular order)."""
    return RECIPIENTS.load_all(await conn.fetch(_MANY, list(ids)))


async def ensure_many(conn: Connection, ids: Sequence[uuid.UUID], kind: str) -> list[Recipient]:
    """`ensure` each id, then `many`: in one round trip when it can.

    A row another transaction added meanwhile is not in this statement's snapshot (its INSERT
    waited for that one and skipped the row): whoever is missing is read once more.
    """
    found = RECIPIENTS.load_all(await conn.fetch(_ENSURE_MANY, list(ids), kind))
    if len(found) < len(set(ids)):
        return await many(conn, ids)
    return found


async def staff(conn: Connection) -> list[uuid.UUID]:
    """Coordinators registered for programme notices."""
    return [r["id"] for r in await conn.fetch(_STAFF)]


async def set_preferences(
    conn: Connection, recipient_id: uuid.UUID, chosen: Preferences
) -> Recipient | None:
    """The recipient with their new preferences; None when there is no such recipient."""
    row = await conn.fetchrow(
        _SET_PREFERENCES,
        recipient_id,
        chosen.language,
        chosen.channels,
        chosen.opted_out,
        chosen.quiet_start,
        chosen.quiet_end,
        chosen.digest,
    )
    return RECIPIENTS.load(row) if row is not None else None


async def register_staff(
    conn: Connection, staff_id: uuid.UUID, language: str, given_name: str, email: str
) -> bool:
    """False when the id is someone's who is not staff."""
    return await conn.fetchval(_REGISTER_STAFF, staff_id, language, given_name, email) is not None


async def set_owned(
    conn: Connection, owner_kind: str, owner_id: uuid.UUID, recipient_ids: Sequence[uuid.UUID]
) -> None:
    """Who answers for a partner (its contact people) or who a mentor is, from now on."""
    await conn.execute(_FORGET_OWNER, owner_kind, owner_id)
    await conn.executemany(_ADD_OWNER, [(owner_kind, owner_id, r) for r in recipient_ids])


async def owned(conn: Connection, owner_kind: str, owner_id: uuid.UUID) -> list[uuid.UUID]:
    return [r["recipient_id"] for r in await conn.fetch(_OWNED, owner_kind, owner_id)]
