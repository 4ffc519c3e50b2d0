"""The daily digest: a mentor's or staff member's held e-mails of the day, as one e-mail."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from .messages import NewMessage, queued_email
from .recipients import Recipient
from .templates import Rendered

TEMPLATE: Final = "digest"


@dataclass(frozen=True)
class DigestItem:
    """One held e-mail that waits for its recipient's digest."""

    id: uuid.UUID
    subject: str
    body: str
    created_at: datetime


def digest_values(person: Recipient, items: Sequence[DigestItem]) -> dict[str, Any]:
    return {
        "given_name": person.given_name,
        "items": [{"subject": i.subject, "text": i.body} for i in items],
    }


def digest_email(
    recipient_id: uuid.UUID, rendered: Rendered, digest_id: uuid.UUID, now: datetime
) -> NewMessage:
    """The digest itself: an e-mail of its own (its id is also its event's), due now."""
    return queued_email(
        recipient_id,
        digest_id,
        TEMPLATE,
        rendered,
        now,
        id=digest_id,
        category="digest",
        caused_at=now,
    )
