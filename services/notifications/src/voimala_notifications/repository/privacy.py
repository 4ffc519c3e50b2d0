"""A person's data read whole for an access request, and erased (GDPR 15, 17); who was erased,
and which requests were answered."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from voimala_kit.db import Connection
from voimala_kit.rows import Table

from ..domain.privacy import HeldMessage, SharedContact

HELD = Table("message", HeldMessage)
SHARED = Table("message", SharedContact)

_ANSWERED = """
INSERT INTO privacy_request (request_id, kind, answered_at) VALUES ($1, $2, $3)
ON CONFLICT (request_id) DO NOTHING
RETURNING request_id
"""
_IS_ERASED = "SELECT EXISTS (SELECT 1 FROM erased_participants WHERE participant_id = $1)"
_MARK_ERASED = """
INSERT INTO erased_participants (participant_id, erasure_id, erased_at) VALUES ($1, $2, $3)
ON CONFLICT (participant_id) DO NOTHING
"""
_HELD = HELD.select("WHERE recipient_id = $1 ORDER BY created_at DESC, id DESC")
# The messages that carried the person's contact to a partner or mentor (`match_contact`):
# about the same proposals as the person's own messages, or with their address in the words
# (an exited participant's own message was never written).
_SHARED = SHARED.select(
    """
WHERE template = ANY($2::text[]) AND recipient_id IS DISTINCT FROM $1
  AND (ref IN (SELECT ref FROM message WHERE recipient_id = $1 AND ref IS NOT NULL)
       OR ($3::text IS NOT NULL AND strpos(body, $3) > 0))
FOR UPDATE"""
)
_REWRITE = """
UPDATE message SET subject = $2, body = $3, html = $4, lease_until = NULL,
    last_error = CASE WHEN status IN ('queued', 'held') THEN 'contact_erased' ELSE last_error END,
    status = CASE WHEN status IN ('queued', 'held') THEN 'cancelled' ELSE status END
WHERE id = $1
"""
_CANCEL = """
UPDATE message SET status = 'cancelled', lease_until = NULL, last_error = 'recipient_erased'
WHERE recipient_id = $1 AND status IN ('queued', 'held')
RETURNING id
"""
# What stays of the person's messages: anonymous delivery facts (channel, template, category,
# status, attempts, times), with new ids so that no event on a topic points at them.
_ANONYMISE = """
UPDATE message SET recipient_id = NULL, id = gen_random_uuid(), event_id = gen_random_uuid(),
    subject = '', body = '', html = NULL, ref = NULL, read_at = NULL, caused_at = NULL,
    digest_id = NULL, lease_until = NULL
WHERE recipient_id = $1
RETURNING channel
"""
_FORGET_OWNED = "DELETE FROM recipient_of WHERE recipient_id = $1"
_FORGET = "DELETE FROM recipient WHERE id = $1 RETURNING id"
# Events waiting for a partner or mentor that name the person (a proposal for them).
_FORGET_WAITING = """
DELETE FROM waiting_event WHERE strpos(convert_from(envelope, 'UTF8'), $1::text) > 0
RETURNING event_id
"""


async def first_answer(conn: Connection, request_id: uuid.UUID, kind: str, at: datetime) -> bool:
    """True the first time a request id is answered; False for a repeated request."""
    return await conn.fetchval(_ANSWERED, request_id, kind, at) is not None


async def is_erased(conn: Connection, participant_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval(_IS_ERASED, participant_id))


async def erased_at(conn: Connection, participant_id: uuid.UUID) -> datetime | None:
    """When the person was erased here (None: not erased)."""
    found: datetime | None = await conn.fetchval(
        "SELECT erased_at FROM erased_participants WHERE participant_id = $1", participant_id
    )
    return found


async def mark_erased(
    conn: Connection, participant_id: uuid.UUID, erasure_id: uuid.UUID, at: datetime
) -> None:
    """Kept for good: later and replayed events about the person are ignored."""
    await conn.execute(_MARK_ERASED, participant_id, erasure_id, at)


async def held_messages(conn: Connection, recipient_id: uuid.UUID) -> list[HeldMessage]:
    """Every message to the person, on every channel, newest first."""
    return HELD.load_all(await conn.fetch(_HELD, recipient_id))


async def shared_contact(
    conn: Connection, participant_id: uuid.UUID, email: str | None, templates: Sequence[str]
) -> list[SharedContact]:
    """Messages to others that may carry the person's contact, locked for rewriting."""
    rows = await conn.fetch(_SHARED, participant_id, list(templates), email)
    return SHARED.load_all(rows)


async def rewrite(conn: Connection, message: SharedContact) -> None:
    """Another's message in new words; if it has not gone yet, it will not."""
    await conn.execute(_REWRITE, message.id, message.subject, message.body, message.html)


async def cancel_pending(conn: Connection, recipient_id: uuid.UUID) -> int:
    """What waits for the person will not go: how many were waiting."""
    return len(await conn.fetch(_CANCEL, recipient_id))


async def anonymise_messages(conn: Connection, recipient_id: uuid.UUID) -> list[str]:
    """The person's messages without recipient or words; the channel of each."""
    return [r["channel"] for r in await conn.fetch(_ANONYMISE, recipient_id)]


async def forget_recipient(conn: Connection, recipient_id: uuid.UUID) -> int:
    """The contact and preferences gone (1), or there were none (0)."""
    await conn.execute(_FORGET_OWNED, recipient_id)
    return len(await conn.fetch(_FORGET, recipient_id))


async def forget_waiting(conn: Connection, participant_id: uuid.UUID) -> int:
    return len(await conn.fetch(_FORGET_WAITING, str(participant_id)))
