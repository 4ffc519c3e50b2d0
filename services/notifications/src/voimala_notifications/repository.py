"""Plain SQL for recipients and their messages."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from voimala_kit import Connection

_UPSERT_RECIPIENT = """
INSERT INTO recipient (id, kind, preferred_language, given_name, email, phone)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (id) DO UPDATE SET preferred_language = EXCLUDED.preferred_language,
    given_name = EXCLUDED.given_name, email = EXCLUDED.email, phone = EXCLUDED.phone,
    updated_at = now()
"""
_SET_LANGUAGE = """
INSERT INTO recipient (id, kind, preferred_language) VALUES ($1, $2, $3)
ON CONFLICT (id) DO UPDATE SET preferred_language = EXCLUDED.preferred_language, updated_at = now()
"""
_GIVEN_NAME = "SELECT given_name FROM recipient WHERE id = $1"
_ADD_MESSAGE = """
INSERT INTO message (id, recipient_id, event_id, channel, template, language, subject, body,
    status, sent_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $9 = 'sent' THEN now() END)
ON CONFLICT (event_id, recipient_id, channel) DO NOTHING
"""
_PAGE = """
SELECT id, channel, template, language, subject, body, status, created_at, sent_at, read_at
FROM message
WHERE recipient_id = $1
  AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
ORDER BY created_at DESC, id DESC
LIMIT $4
"""
_MARK_READ = """
UPDATE message SET read_at = coalesce(read_at, now())
WHERE id = $1 AND recipient_id = $2 AND channel = 'in_app'
RETURNING read_at
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
) -> None:
    await conn.execute(_UPSERT_RECIPIENT, recipient_id, kind, language, given_name, email, phone)


async def set_language(conn: Connection, recipient_id: uuid.UUID, kind: str, language: str) -> None:
    await conn.execute(_SET_LANGUAGE, recipient_id, kind, language)


async def given_name(conn: Connection, recipient_id: uuid.UUID) -> str | None:
    name: str | None = await conn.fetchval(_GIVEN_NAME, recipient_id)
    return name


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
) -> None:
    await conn.execute(
        _ADD_MESSAGE,
        uuid.uuid4(),
        recipient_id,
        event_id,
        channel,
        template,
        language,
        subject,
        body,
        status,
    )


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
