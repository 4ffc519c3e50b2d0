"""Messages: added once per (event, recipient, channel), read in the inbox, listed for staff."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from voimala_kit.db import Connection
from voimala_kit.rows import Table

from ..domain.messages import NewMessage

#: Where a transaction that added messages due now says so (`delivery.wake`): the delivery
#: loops are woken when it commits instead of polling for them.
DUE_CHANNEL = "notifications_due"
# A queued message added wakes the delivery loops when its transaction commits (a NOTIFY on
# DUE_CHANNEL, named again below; PostgreSQL sends the same one once per transaction, however
# many rows asked): in the statement that adds it, no round trip of its own.
_ANNOUNCED = """
SELECT id, CASE WHEN status = 'queued' THEN pg_notify('notifications_due', '') END FROM added
"""


@dataclass(frozen=True)
class InboxMessage:
    """A message as its recipient reads it in the inbox."""

    id: uuid.UUID
    channel: str
    template: str
    language: str
    subject: str
    body: str
    status: str
    created_at: datetime
    sent_at: datetime | None
    read_at: datetime | None
    ref: uuid.UUID | None


@dataclass(frozen=True)
class InboxEntry:
    """A message of an inbox as ops see it: when and how, never its words."""

    id: uuid.UUID
    channel: str
    template: str
    language: str
    status: str
    created_at: datetime
    sent_at: datetime | None
    read_at: datetime | None
    ref: uuid.UUID | None


@dataclass(frozen=True)
class DeliveryStatus:
    """A message as staff see it: its delivery, never its body or the address it went to."""

    id: uuid.UUID
    recipient_id: uuid.UUID
    event_id: uuid.UUID
    channel: str
    template: str
    category: str
    mandatory: bool
    status: str
    attempts: int
    last_error: str | None
    not_before: datetime
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class StatusCount:
    channel: str
    status: str
    n: int


INBOX = Table("message", InboxMessage)
ENTRIES = Table("message", InboxEntry)
DELIVERIES = Table("message", DeliveryStatus)

_ADD = (
    """
WITH added AS (
INSERT INTO message (id, recipient_id, event_id, channel, template, language, subject, body,
    html, status, sent_at, category, mandatory, ref, not_before, segments, digest, caused_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
    CASE WHEN $10 = 'sent' THEN coalesce($11, now()) END, $12, $13, $14, coalesce($11, now()),
    $15, $16, $17)
ON CONFLICT (event_id, recipient_id, channel) DO NOTHING
RETURNING id, status
)"""
    + _ANNOUNCED
)
# Many messages in one statement (a consumer's event has one per channel and person); the
# ids are made here, so RETURNING says which were added and which were there already.
_ADD_MANY = (
    """
WITH added AS (
INSERT INTO message (id, recipient_id, event_id, channel, template, language, subject, body,
    html, status, sent_at, category, mandatory, ref, not_before, segments, digest, caused_at)
SELECT id, recipient_id, event_id, channel, template, language, subject, body, html, status,
    CASE WHEN status = 'sent' THEN coalesce(not_before, now()) END, category, mandatory, ref,
    coalesce(not_before, now()), segments, digest, caused_at
FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[],
    $7::text[], $8::text[], $9::text[], $10::text[], $11::timestamptz[], $12::text[],
    $13::bool[], $14::uuid[], $15::int[], $16::bool[], $17::timestamptz[])
    AS m(id, recipient_id, event_id, channel, template, language, subject, body, html, status,
         not_before, category, mandatory, ref, segments, digest, caused_at)
ON CONFLICT (event_id, recipient_id, channel) DO NOTHING
RETURNING id, status
)"""
    + _ANNOUNCED
)
_PAGE_OF_INBOX = """
WHERE recipient_id = $1 AND channel = 'in_app' AND status = 'sent'
  AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
ORDER BY created_at DESC, id DESC
LIMIT $4"""
_PAGE = INBOX.select(_PAGE_OF_INBOX)
_ENTRIES_PAGE = ENTRIES.select(_PAGE_OF_INBOX)
_MARK_READ = """
UPDATE message SET read_at = coalesce(read_at, now())
WHERE id = $1 AND recipient_id = $2 AND channel = 'in_app'
RETURNING read_at
"""
_CANCEL_PENDING = """
UPDATE message SET status = 'cancelled', lease_until = NULL
WHERE ref = $1 AND template = ANY($2::text[]) AND status IN ('queued', 'held')
"""
_LIST = DELIVERIES.select(
    """
WHERE recipient_id IS NOT NULL  -- an erased person's messages are counted, not listed
  AND ($1::text IS NULL OR status = $1) AND ($2::uuid IS NULL OR recipient_id = $2)
  AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
ORDER BY created_at DESC, id DESC
LIMIT $5"""
)
_COUNTS = "SELECT channel, status, count(*) AS n FROM message GROUP BY channel, status"
_REQUEUE = """
UPDATE message SET status = 'queued', not_before = $2, lease_until = NULL
WHERE id = $1 AND status = 'failed' AND recipient_id IS NOT NULL
RETURNING recipient_id
"""


async def add(conn: Connection, m: NewMessage) -> uuid.UUID | None:
    """Add one message unless (event, recipient, channel) has one: None when it had."""
    mid: uuid.UUID | None = await conn.fetchval(
        _ADD,
        m.id or uuid.uuid4(),
        m.recipient_id,
        m.event_id,
        m.channel,
        m.template,
        m.language,
        m.subject,
        m.body,
        m.html,
        m.status,
        m.not_before,
        m.category,
        m.mandatory,
        m.ref,
        m.segments,
        m.digest,
        m.caused_at,
    )
    return mid


async def add_many(conn: Connection, planned: Sequence[NewMessage]) -> list[uuid.UUID | None]:
    """`add` for many messages in one round trip: each one's id, None where there was one for
    its (event, recipient, channel) already (or earlier in `planned`)."""
    if not planned:
        return []
    ids = [m.id or uuid.uuid4() for m in planned]
    columns = [
        ids,
        *([getattr(m, name) for m in planned] for name in _MANY_COLUMNS),
    ]
    added = {r["id"] for r in await conn.fetch(_ADD_MANY, *columns)}
    return [i if i in added else None for i in ids]


_MANY_COLUMNS = (
    "recipient_id",
    "event_id",
    "channel",
    "template",
    "language",
    "subject",
    "body",
    "html",
    "status",
    "not_before",
    "category",
    "mandatory",
    "ref",
    "segments",
    "digest",
    "caused_at",
)


async def inbox(
    conn: Connection,
    recipient_id: uuid.UUID,
    before: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[InboxMessage]:
    """The recipient's inbox, newest first, from before the cursor's (time, id)."""
    created, mid = before or (None, None)
    return INBOX.load_all(await conn.fetch(_PAGE, recipient_id, created, mid, limit))


async def inbox_entries(
    conn: Connection,
    recipient_id: uuid.UUID,
    before: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[InboxEntry]:
    """The same page as `inbox`, without the words: they are not even read."""
    created, mid = before or (None, None)
    return ENTRIES.load_all(await conn.fetch(_ENTRIES_PAGE, recipient_id, created, mid, limit))


async def mark_read(
    conn: Connection, recipient_id: uuid.UUID, message_id: uuid.UUID
) -> datetime | None:
    """When it was first read; None when the inbox has no such message."""
    read_at: datetime | None = await conn.fetchval(_MARK_READ, message_id, recipient_id)
    return read_at


async def cancel_pending(conn: Connection, ref: uuid.UUID, templates: Sequence[str]) -> None:
    """Messages about `ref` of these templates that are not out yet will not go."""
    await conn.execute(_CANCEL_PENDING, ref, list(templates))


async def deliveries(
    conn: Connection,
    status: str | None,
    recipient_id: uuid.UUID | None,
    before: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[DeliveryStatus]:
    created, mid = before or (None, None)
    return DELIVERIES.load_all(await conn.fetch(_LIST, status, recipient_id, created, mid, limit))


async def counts(conn: Connection) -> list[StatusCount]:
    return [StatusCount(r["channel"], r["status"], r["n"]) for r in await conn.fetch(_COUNTS)]


async def requeue(conn: Connection, message_id: uuid.UUID, at: datetime) -> uuid.UUID | None:
    """A failed message queued again: whose it is; None when it has not failed."""
    recipient_id: uuid.UUID | None = await conn.fetchval(_REQUEUE, message_id, at)
    return recipient_id
