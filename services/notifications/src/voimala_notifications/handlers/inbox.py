"""A person's in-app inbox: read by them and by staff (without the links that answer for
them) and as metadata by ops; marked read by them alone."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from voimala_kit import audit
from voimala_kit.auth import STAFF, Principal
from voimala_kit.db import Connection
from voimala_kit.refusals import forbidden, not_found

from ..domain.links import without_links
from ..repository import messages
from ..repository.messages import InboxEntry, InboxMessage
from .deps import Deps, purpose_of


@dataclass(frozen=True)
class InboxPage:
    recipient_id: uuid.UUID
    #: The (created_at, id) of the last message of the page before; None: the newest.
    before: tuple[datetime, uuid.UUID] | None
    #: How many to read (the API asks for one more than it shows, to know if there is more).
    limit: int


@dataclass(frozen=True)
class MarkRead:
    recipient_id: uuid.UUID
    message_id: uuid.UUID


def may_read(who: Principal, recipient_id: uuid.UUID) -> None:
    """A person reads their own inbox; staff and ops read anyone's."""
    if not (who.has(*STAFF, "ops") or who.subject == str(recipient_id)):
        raise forbidden("you may read only your own messages")


async def read_inbox(
    deps: Deps, conn: Connection, query: InboxPage, who: Principal
) -> Sequence[InboxMessage | InboxEntry]:
    """A person's messages, newest first (whoever asks has passed `may_read`); a read of
    another's inbox is audited in the caller's transaction.

    As the reader may see them: the recipient, all of it; staff, the words without the signed
    answer links (a link answers as the person it was sent to); ops, the metadata alone.
    """
    page = (conn, query.recipient_id, query.before, query.limit)
    if who.subject == str(query.recipient_id):
        return await messages.inbox(*page)  # one's own inbox: not audited
    if not who.has(*STAFF):
        await audit.record(conn, who, [query.recipient_id], "inbox.metadata_read", "operations")
        return await messages.inbox_entries(*page)
    await audit.record(conn, who, [query.recipient_id], "inbox.read", purpose_of(who))
    return [replace(m, body=without_links(m.body)) for m in await messages.inbox(*page)]


async def mark_read(deps: Deps, conn: Connection, cmd: MarkRead, who: Principal) -> None:
    """Only the recipient marks a message read; the first time it was read is kept."""
    if who.subject != str(cmd.recipient_id):
        raise forbidden("only the recipient marks a message read")
    if await messages.mark_read(conn, cmd.recipient_id, cmd.message_id) is None:
        raise not_found("message in this inbox")
