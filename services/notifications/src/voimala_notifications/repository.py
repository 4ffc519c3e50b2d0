"""Plain SQL for recipients, their preferences, their messages and answered proposals."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from voimala_kit import Connection

_UPSERT_RECIPIENT = """
INSERT INTO recipient (id, kind, preferred_language, given_name, email, phone, preferred_channel,
    family_name)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind,
    preferred_language = EXCLUDED.preferred_language, given_name = EXCLUDED.given_name,
    family_name = EXCLUDED.family_name,
    email = EXCLUDED.email, phone = EXCLUDED.phone,
    preferred_channel = EXCLUDED.preferred_channel, updated_at = now()
"""
_SET_LANGUAGE = """
INSERT INTO recipient (id, kind, preferred_language) VALUES ($1, $2, $3)
ON CONFLICT (id) DO UPDATE SET preferred_language = EXCLUDED.preferred_language, updated_at = now()
"""
_ENSURE = """
INSERT INTO recipient (id, kind, preferred_language) VALUES ($1, $2, 'fi')
ON CONFLICT (id) DO NOTHING
"""
_CONSENT = {
    "email": "UPDATE recipient SET email_allowed = $2, updated_at = now() WHERE id = $1",
    "sms": "UPDATE recipient SET sms_allowed = $2, updated_at = now() WHERE id = $1",
}
_EXITED = "UPDATE recipient SET status = 'exited', updated_at = now() WHERE id = $1"
_GIVEN_NAME = "SELECT given_name FROM recipient WHERE id = $1"
_CONTACT = "SELECT given_name, family_name, email, phone FROM recipient WHERE id = $1"
_FORGET_OWNER = "DELETE FROM recipient_of WHERE owner_kind = $1 AND owner_id = $2"
_ADD_OWNER = """
INSERT INTO recipient_of (owner_kind, owner_id, recipient_id) VALUES ($1, $2, $3)
ON CONFLICT DO NOTHING
"""
_OWNED = """
SELECT recipient_id FROM recipient_of WHERE owner_kind = $1 AND owner_id = $2
ORDER BY recipient_id
"""
_STAFF = "SELECT id FROM recipient WHERE kind = 'staff' AND status = 'active' ORDER BY id"
_REACHABLE = """
SELECT id, kind, status, preferred_language, given_name, email, phone, preferred_channel,
       channels, email_allowed, sms_allowed, opted_out, quiet_start, quiet_end, digest
FROM recipient WHERE id = ANY($1::uuid[])
"""
_PREFERENCES = """
SELECT id, kind, preferred_language, preferred_channel, channels, opted_out, quiet_start,
       quiet_end, digest, email_allowed, sms_allowed, status
FROM recipient WHERE id = $1
"""
_SET_PREFERENCES = """
UPDATE recipient SET preferred_language = $2, channels = $3, opted_out = $4, quiet_start = $5,
    quiet_end = $6, digest = $7, updated_at = now()
WHERE id = $1
"""
_REGISTER_STAFF = """
INSERT INTO recipient (id, kind, preferred_language, given_name, email, preferred_channel)
VALUES ($1, 'staff', $2, $3, $4, 'email')
ON CONFLICT (id) DO UPDATE SET preferred_language = EXCLUDED.preferred_language,
    given_name = EXCLUDED.given_name, email = EXCLUDED.email, status = 'active',
    updated_at = now()
WHERE recipient.kind = 'staff'
RETURNING id
"""

_ADD_MESSAGE = """
INSERT INTO message (id, recipient_id, event_id, channel, template, language, subject, body,
    html, status, sent_at, category, mandatory, ref, not_before, segments, digest, caused_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
    CASE WHEN $10 = 'sent' THEN coalesce($11, now()) END, $12, $13, $14, coalesce($11, now()),
    $15, $16, $17)
ON CONFLICT (event_id, recipient_id, channel) DO NOTHING
RETURNING id
"""
_PAGE = """
SELECT id, channel, template, language, subject, body, status, created_at, sent_at, read_at, ref
FROM message
WHERE recipient_id = $1 AND channel = 'in_app' AND status = 'sent'
  AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
ORDER BY created_at DESC, id DESC
LIMIT $4
"""
_MARK_READ = """
UPDATE message SET read_at = coalesce(read_at, now())
WHERE id = $1 AND recipient_id = $2 AND channel = 'in_app'
RETURNING read_at
"""
_CANCEL_PENDING = """
UPDATE message SET status = 'cancelled', lease_until = NULL
WHERE ref = $1 AND template = ANY($2::text[]) AND status IN ('queued', 'held')
"""
# Claim what is due: a lease, not a held lock, so that the sending happens outside any
# transaction and a crashed worker's claims come back when the lease runs out.
_CLAIM = """
UPDATE message m SET lease_until = $1 + make_interval(secs => $3::float8), status = 'queued'
FROM recipient r
WHERE m.id IN (
    SELECT id FROM message
    WHERE status IN ('queued', 'held') AND NOT digest AND not_before <= $1
      AND (lease_until IS NULL OR lease_until < $1) AND channel <> ALL($4::text[])
    ORDER BY not_before
    LIMIT $2
    FOR UPDATE SKIP LOCKED)
  AND r.id = m.recipient_id
RETURNING m.id, m.recipient_id, m.event_id, m.channel, m.template, m.category, m.subject,
    m.body, m.html, m.attempts, m.caused_at, r.status AS recipient_status, r.email, r.phone
"""
_SENT = """
UPDATE message SET status = 'sent', sent_at = $2, attempts = attempts + 1, lease_until = NULL,
    last_error = NULL
WHERE id = ANY($1::uuid[])
"""
_RETRY = """
UPDATE message SET attempts = attempts + 1, not_before = $2, lease_until = NULL, last_error = $3
WHERE id = $1
"""
_FAILED = """
UPDATE message SET status = 'failed', attempts = attempts + 1, lease_until = NULL,
    last_error = $2
WHERE id = $1
"""
_CANCEL = """
UPDATE message SET status = 'cancelled', lease_until = NULL, last_error = $2 WHERE id = $1
"""
_DUE_DIGESTS = """
SELECT DISTINCT recipient_id FROM message
WHERE digest AND status = 'held' AND not_before <= $1
LIMIT $2
"""
# One gatherer per recipient at a time (delivery loops and replicas run side by side): with
# row locks alone, SKIP LOCKED let two of them split one recipient's day into two e-mails.
_DIGEST_LOCK = 7_305_116  # the advisory-lock namespace of digests (the relay's is 7_305_115)
_CLAIM_DIGEST = "SELECT pg_try_advisory_xact_lock($1, hashtext($2::uuid::text))"
_DIGEST_ITEMS = """
SELECT id, subject, body, created_at FROM message
WHERE recipient_id = $1 AND digest AND status = 'held' AND not_before <= $2
ORDER BY created_at, id
FOR UPDATE
"""
_DIGESTED = """
UPDATE message SET status = 'sent', sent_at = $2, digest_id = $3 WHERE id = ANY($1::uuid[])
"""
_WAIT = """
INSERT INTO waiting_event (owner_kind, owner_id, event_id, envelope) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING
"""
_WAITING = """
DELETE FROM waiting_event WHERE owner_kind = $1 AND owner_id = $2 RETURNING envelope
"""
_ANSWER = """
INSERT INTO action_answer (proposal_id, answer, link_id, via, answered_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (proposal_id) DO NOTHING
RETURNING proposal_id
"""
_ANSWERED = "SELECT answer, via, answered_at FROM action_answer WHERE proposal_id = $1"
_LIST = """
SELECT id, recipient_id, event_id, channel, template, category, mandatory, status, attempts,
    last_error, not_before, created_at, sent_at
FROM message
WHERE ($1::text IS NULL OR status = $1) AND ($2::uuid IS NULL OR recipient_id = $2)
  AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
ORDER BY created_at DESC, id DESC
LIMIT $5
"""
_COUNTS = "SELECT channel, status, count(*) AS n FROM message GROUP BY channel, status"
_REQUEUE = """
UPDATE message SET status = 'queued', not_before = $2, lease_until = NULL
WHERE id = $1 AND status = 'failed'
RETURNING id
"""


async def upsert_recipient(
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
    await conn.execute(
        _UPSERT_RECIPIENT,
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


async def set_consent(
    conn: Connection, recipient_id: uuid.UUID, channel: str, granted: bool
) -> None:
    await conn.execute(_ENSURE, recipient_id, "participant")
    await conn.execute(_CONSENT[channel], recipient_id, granted)


async def set_exited(conn: Connection, recipient_id: uuid.UUID) -> None:
    await conn.execute(_ENSURE, recipient_id, "participant")
    await conn.execute(_EXITED, recipient_id)


async def ensure(conn: Connection, recipient_id: uuid.UUID, kind: str) -> None:
    await conn.execute(_ENSURE, recipient_id, kind)


async def given_name(conn: Connection, recipient_id: uuid.UUID) -> str | None:
    name: str | None = await conn.fetchval(_GIVEN_NAME, recipient_id)
    return name


async def contact(conn: Connection, recipient_id: uuid.UUID) -> Any:
    return await conn.fetchrow(_CONTACT, recipient_id)


async def set_owned(
    conn: Connection, owner_kind: str, owner_id: uuid.UUID, recipient_ids: Sequence[uuid.UUID]
) -> None:
    await conn.execute(_FORGET_OWNER, owner_kind, owner_id)
    await conn.executemany(_ADD_OWNER, [(owner_kind, owner_id, r) for r in recipient_ids])


async def owned(conn: Connection, owner_kind: str, owner_id: uuid.UUID) -> list[uuid.UUID]:
    return [r["recipient_id"] for r in await conn.fetch(_OWNED, owner_kind, owner_id)]


async def staff(conn: Connection) -> list[uuid.UUID]:
    return [r["id"] for r in await conn.fetch(_STAFF)]


async def reachable(conn: Connection, ids: Sequence[uuid.UUID]) -> list[Any]:
    return list(await conn.fetch(_REACHABLE, list(ids)))


async def preferences(conn: Connection, recipient_id: uuid.UUID) -> Any:
    return await conn.fetchrow(_PREFERENCES, recipient_id)


async def set_preferences(
    conn: Connection, recipient_id: uuid.UUID, values: dict[str, Any]
) -> None:
    await conn.execute(
        _SET_PREFERENCES,
        recipient_id,
        values["language"],
        values["channels"],
        values["opted_out"],
        values["quiet_start"],
        values["quiet_end"],
        values["digest"],
    )


async def register_staff(
    conn: Connection, staff_id: uuid.UUID, language: str, given_name: str, email: str
) -> bool:
    return await conn.fetchval(_REGISTER_STAFF, staff_id, language, given_name, email) is not None


async def add_message(
    conn: Connection,
    *,
    recipient_id: uuid.UUID,
    event_id: uuid.UUID,
    channel: str,
    template: str,
    language: str,
    subject: str,
    body: str,
    status: str,
    at: datetime | None = None,
    html: str | None = None,
    category: str = "programme",
    mandatory: bool = False,
    ref: uuid.UUID | None = None,
    segments: int | None = None,
    digest: bool = False,
    caused_at: datetime | None = None,
    message_id: uuid.UUID | None = None,
) -> uuid.UUID | None:
    """Add one message unless (event, recipient, channel) has one: None when it had."""
    mid: uuid.UUID | None = await conn.fetchval(
        _ADD_MESSAGE,
        message_id or uuid.uuid4(),
        recipient_id,
        event_id,
        channel,
        template,
        language,
        subject,
        body,
        html,
        status,
        at,
        category,
        mandatory,
        ref,
        segments,
        digest,
        caused_at,
    )
    return mid


async def messages(
    conn: Connection,
    recipient_id: uuid.UUID,
    before: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Any]:
    created, mid = before or (None, None)
    return list(await conn.fetch(_PAGE, recipient_id, created, mid, limit))


async def mark_read(
    conn: Connection, recipient_id: uuid.UUID, message_id: uuid.UUID
) -> datetime | None:
    read_at: datetime | None = await conn.fetchval(_MARK_READ, message_id, recipient_id)
    return read_at


async def cancel_pending(conn: Connection, ref: uuid.UUID, templates: Sequence[str]) -> None:
    await conn.execute(_CANCEL_PENDING, ref, list(templates))


async def claim_due(
    conn: Connection, now: datetime, limit: int, lease: float, skip: Sequence[str] = ()
) -> list[Any]:
    """Claim due messages, except those of channels known to be down."""
    return list(await conn.fetch(_CLAIM, now, limit, lease, list(skip)))


async def mark_sent(conn: Connection, ids: Sequence[uuid.UUID], at: datetime) -> None:
    await conn.execute(_SENT, list(ids), at)


async def mark_retry(conn: Connection, message_id: uuid.UUID, at: datetime, reason: str) -> None:
    await conn.execute(_RETRY, message_id, at, reason)


async def cancel(conn: Connection, message_id: uuid.UUID, reason: str) -> None:
    await conn.execute(_CANCEL, message_id, reason)


async def mark_failed(conn: Connection, message_id: uuid.UUID, reason: str) -> None:
    await conn.execute(_FAILED, message_id, reason)


async def due_digests(conn: Connection, now: datetime, limit: int) -> list[uuid.UUID]:
    return [r["recipient_id"] for r in await conn.fetch(_DUE_DIGESTS, now, limit)]


async def claim_digest(conn: Connection, recipient_id: uuid.UUID) -> bool:
    """Whether this transaction gathers the recipient's digest (False: another one is)."""
    return bool(await conn.fetchval(_CLAIM_DIGEST, _DIGEST_LOCK, recipient_id))


async def digest_items(conn: Connection, recipient_id: uuid.UUID, now: datetime) -> list[Any]:
    return list(await conn.fetch(_DIGEST_ITEMS, recipient_id, now))


async def mark_digested(
    conn: Connection, ids: Sequence[uuid.UUID], at: datetime, digest_id: uuid.UUID
) -> None:
    await conn.execute(_DIGESTED, list(ids), at, digest_id)


async def wait_for_owner(
    conn: Connection, owner_kind: str, owner_id: uuid.UUID, event_id: uuid.UUID, envelope: bytes
) -> None:
    await conn.execute(_WAIT, owner_kind, owner_id, event_id, envelope)


async def take_waiting(conn: Connection, owner_kind: str, owner_id: uuid.UUID) -> list[bytes]:
    return [r["envelope"] for r in await conn.fetch(_WAITING, owner_kind, owner_id)]


async def record_answer(
    conn: Connection,
    proposal_id: uuid.UUID,
    answer: str | None,
    link_id: uuid.UUID | None,
    via: str,
    at: datetime,
) -> bool:
    """True when this is the proposal's first answer."""
    return await conn.fetchval(_ANSWER, proposal_id, answer, link_id, via, at) is not None


async def answer_of(conn: Connection, proposal_id: uuid.UUID) -> Any:
    return await conn.fetchrow(_ANSWERED, proposal_id)


async def list_messages(
    conn: Connection,
    status: str | None,
    recipient_id: uuid.UUID | None,
    before: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Any]:
    created, mid = before or (None, None)
    return list(await conn.fetch(_LIST, status, recipient_id, created, mid, limit))


async def counts(conn: Connection) -> list[Any]:
    return list(await conn.fetch(_COUNTS))


async def requeue(conn: Connection, message_id: uuid.UUID, at: datetime) -> bool:
    return await conn.fetchval(_REQUEUE, message_id, at) is not None


# One address, one identity: an employer's contact person first (they sign in most for the
# programme's work), then a mentor, then a participant; among equals the newest. Staff sign
# in through the city's identity provider and guests have no account: neither is looked at.
_SIGNIN_IDENTITY = """
SELECT r.id, r.kind, r.preferred_language, r.given_name, r.family_name, o.owner_id AS org
FROM recipient r
LEFT JOIN recipient_of o
       ON o.recipient_id = r.id AND o.owner_kind = 'partner' AND r.kind = 'partner'
WHERE r.email IS NOT NULL AND lower(r.email) = lower($1) AND r.status = 'active'
  AND r.kind IN ('partner', 'mentor', 'participant')
  AND (r.kind <> 'partner' OR o.owner_id IS NOT NULL)
ORDER BY CASE r.kind WHEN 'partner' THEN 0 WHEN 'mentor' THEN 1 ELSE 2 END,
         r.updated_at DESC, o.owner_id
LIMIT 1
"""


async def signin_identity(conn: Connection, email: str) -> Any:
    """Who signs in with this address, or None."""
    return await conn.fetchrow(_SIGNIN_IDENTITY, email)
