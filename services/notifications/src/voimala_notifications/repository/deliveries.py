"""The delivery of messages: claims on what is due, the outcome of each, and digests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from voimala_kit.db import Connection
from voimala_kit.rows import Table

from ..domain.digests import DigestItem
from ..domain.messages import Due

DIGEST_ITEMS = Table("message", DigestItem)

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
_DIGEST_ITEMS = DIGEST_ITEMS.select(
    """
WHERE recipient_id = $1 AND digest AND status = 'held' AND not_before <= $2
ORDER BY created_at, id
FOR UPDATE"""
)
# A claimed message is handed over only while its recipient cannot be erased: a sending round
# holds a shared lock per recipient, an erasure takes it exclusively. The erasure waits for
# what is being handed over; what is claimed while it runs is found gone before it is sent.
_SENDING_LOCK = 7_305_117  # the relay's is 7_305_115, the digests' 7_305_116
_HOLD = "SELECT pg_advisory_lock_shared($1, hashtext(r::text)) FROM unnest($2::uuid[]) AS r"
_RELEASE = "SELECT pg_advisory_unlock_shared($1, hashtext(r::text)) FROM unnest($2::uuid[]) AS r"
_ERASING = "SELECT pg_advisory_xact_lock($1, hashtext($2::uuid::text))"
_STILL_DUE = """
SELECT id FROM message
WHERE id = ANY($1::uuid[]) AND status = 'queued' AND recipient_id IS NOT NULL
"""
_DIGESTED = """
UPDATE message SET status = 'sent', sent_at = $2, digest_id = $3 WHERE id = ANY($1::uuid[])
"""


async def claim_due(
    conn: Connection, now: datetime, limit: int, lease: float, skip: Sequence[str] = ()
) -> list[Due]:
    """Claim due messages, except those of channels known to be down."""
    return [Due(**r) for r in await conn.fetch(_CLAIM, now, limit, lease, list(skip))]


async def mark_sent(conn: Connection, ids: Sequence[uuid.UUID], at: datetime) -> None:
    await conn.execute(_SENT, list(ids), at)


async def mark_retry(conn: Connection, message_id: uuid.UUID, at: datetime, reason: str) -> None:
    await conn.execute(_RETRY, message_id, at, reason)


async def cancel(conn: Connection, message_id: uuid.UUID, reason: str) -> None:
    await conn.execute(_CANCEL, message_id, reason)


async def mark_failed(conn: Connection, message_id: uuid.UUID, reason: str) -> None:
    await conn.execute(_FAILED, message_id, reason)


async def due_digests(conn: Connection, now: datetime, limit: int) -> list[uuid.UUID]:
    """Recipients with held digest items due by now."""
    return [r["recipient_id"] for r in await conn.fetch(_DUE_DIGESTS, now, limit)]


async def claim_digest(conn: Connection, recipient_id: uuid.UUID) -> bool:
    """Whether this transaction gathers the recipient's digest (False: another one is)."""
    return bool(await conn.fetchval(_CLAIM_DIGEST, _DIGEST_LOCK, recipient_id))


async def digest_items(
    conn: Connection, recipient_id: uuid.UUID, now: datetime
) -> list[DigestItem]:
    return DIGEST_ITEMS.load_all(await conn.fetch(_DIGEST_ITEMS, recipient_id, now))


async def mark_digested(
    conn: Connection, ids: Sequence[uuid.UUID], at: datetime, digest_id: uuid.UUID
) -> None:
    await conn.execute(_DIGESTED, list(ids), at, digest_id)


async def hold_recipients(conn: Connection, recipient_ids: Sequence[uuid.UUID]) -> None:
    """While held (on this session), none of these people can be erased."""
    await conn.fetch(_HOLD, _SENDING_LOCK, list(recipient_ids))


async def release_recipients(conn: Connection, recipient_ids: Sequence[uuid.UUID]) -> None:
    """Let them go. If that fails, the connection is closed, which lets them go too: the pool
    does not reset a session it takes back (voimala_kit.db), and a connection back in it still
    holding them would keep their erasure waiting for as long as it lives."""
    try:
        await conn.fetch(_RELEASE, _SENDING_LOCK, list(recipient_ids))
    except BaseException:
        conn.terminate()
        raise


async def still_due(conn: Connection, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Which of the claimed messages are still to be sent (not cancelled, not erased)."""
    return {r["id"] for r in await conn.fetch(_STILL_DUE, list(ids))}


async def stop_sending_to(conn: Connection, recipient_id: uuid.UUID) -> None:
    """Wait until nothing is being handed over to the person; until this transaction ends,
    nothing more will be (an erasure)."""
    await conn.execute(_ERASING, _SENDING_LOCK, recipient_id)
