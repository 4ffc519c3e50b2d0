"""The daily digest: a mentor's or staff member's held e-mails of the day, as one e-mail."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from .messages import NewMessage
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
    return NewMessage(
        id=digest_id,
        recipient_id=recipient_id,
        event_id=digest_id,
        channel="email",
        template=TEMPLATE,
        language=rendered.language,
        subject=rendered.subject,
        body=rendered.text,
        html=rendered.html,
        status="queued",
        not_before=now,
        category="digest",
        caused_at=now,
    )
