"""A person's rights over what this service holds (GDPR 15, 17): what an access request is
answered with, and how an erasure leaves others' messages.

What is held about a participant: their contact (the recipient row), their preferences (the
same row), their e-mails and text messages with the words in their language, their in-app
inbox, and the delivery of each message. Records carry the field names of this service's API
(`MessageOut`, `DeliveryOut`, `PreferencesOut`). An answer must fit a Kafka record: over
`EXPORT_LIMIT` bytes the longest data set is cut, newest first kept, and `_truncated` says so.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any, Final

from .links import WITHHELD, without_links
from .recipients import Recipient
from .templates import to_html

#: The biggest export in bytes of JSON: Kafka takes 1 MB a record, the envelope and the
#: encryption need some of it.
EXPORT_LIMIT: Final = 800_000
#: Templates whose words carry a participant's contact to someone else (a partner, a mentor).
SHARES_CONTACT: Final = ("match_contact",)
#: Put where an erased participant's contact was, in a message to someone else.
ERASED: Final = "[erased]"
#: A sign-in e-mail's link signs its holder in: no one else sees it, an export neither.
_ANY_LINK = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class HeldMessage:
    """One of a person's messages, whole, as the export reads it."""

    id: uuid.UUID
    recipient_id: uuid.UUID
    event_id: uuid.UUID
    channel: str
    template: str
    category: str
    mandatory: bool
    language: str
    subject: str
    body: str
    status: str
    attempts: int
    last_error: str | None
    not_before: datetime
    created_at: datetime
    sent_at: datetime | None
    read_at: datetime | None
    ref: uuid.UUID | None


@dataclass(frozen=True)
class SharedContact:
    """A message to someone else that carried an erased participant's contact."""

    id: uuid.UUID
    subject: str
    body: str
    html: str | None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _clock(value: time | None) -> str | None:
    return value.strftime("%H:%M:%S") if value is not None else None


def _id(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None


def contact_record(person: Recipient) -> dict[str, Any]:
    return {
        "recipient_id": str(person.id),
        "kind": person.kind,
        "active": person.status == "active",
        "given_name": person.given_name,
        "family_name": person.family_name,
        "email": person.email,
        "phone": person.phone,
        "preferred_channel": person.preferred_channel,
        "email_allowed": person.email_allowed,
        "sms_allowed": person.sms_allowed,
    }


def preferences_record(person: Recipient) -> dict[str, Any]:
    """As `GET /recipients/{id}/preferences` answers (`PreferencesOut`)."""
    return {
        "recipient_id": str(person.id),
        "kind": person.kind,
        "language": person.preferred_language,
        "preferred_channel": person.preferred_channel,
        "channels": person.channels,
        "opted_out": list(person.opted_out),
        "quiet_start": _clock(person.quiet_start),
        "quiet_end": _clock(person.quiet_end),
        "digest": person.digest,
        "email_allowed": person.email_allowed,
        "sms_allowed": person.sms_allowed,
        "active": person.status == "active",
    }


def words(message: HeldMessage) -> str:
    """A message's text as the export shows it: a link that answers or signs in as the person
    is theirs alone, so it is left out (the export is read by a coordinator first)."""
    if message.template == "sign_in":
        return _ANY_LINK.sub(WITHHELD, message.body)
    return without_links(message.body)


def message_record(message: HeldMessage) -> dict[str, Any]:
    """As the inbox answers (`MessageOut`), the words in the language they were sent in."""
    return {
        "id": str(message.id),
        "channel": message.channel,
        "template": message.template,
        "language": message.language,
        "subject": message.subject,
        "body": words(message),
        "status": message.status,
        "created_at": _iso(message.created_at),
        "sent_at": _iso(message.sent_at),
        "read_at": _iso(message.read_at),
        "ref": _id(message.ref),
    }


def delivery_record(message: HeldMessage) -> dict[str, Any]:
    """As `GET /messages` answers (`DeliveryOut`): channel, status, attempts and times."""
    return {
        "id": str(message.id),
        "recipient_id": str(message.recipient_id),
        "event_id": str(message.event_id),
        "channel": message.channel,
        "template": message.template,
        "category": message.category,
        "mandatory": message.mandatory,
        "status": message.status,
        "attempts": message.attempts,
        "last_error": message.last_error,
        "not_before": _iso(message.not_before),
        "created_at": _iso(message.created_at),
        "sent_at": _iso(message.sent_at),
    }


def export(person: Recipient | None, held: Sequence[HeldMessage]) -> dict[str, list[Any]]:
    """Everything held about the person, by data set; messages newest first."""
    out_of_app = [m for m in held if m.channel != "in_app"]
    return fit(
        {
            "contact": [contact_record(person)] if person is not None else [],
            "preferences": [preferences_record(person)] if person is not None else [],
            "messages": [message_record(m) for m in out_of_app],
            "inbox": [message_record(m) for m in held if m.channel == "in_app"],
            "deliveries": [delivery_record(m) for m in held],
        }
    )


def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def fit(data: dict[str, list[Any]], limit: int = EXPORT_LIMIT) -> dict[str, list[Any]]:
    """The export cut to `limit` bytes: the longest data set keeps its first (newest) records
    that fit, again while it is too big; `_truncated` names each cut data set."""
    cut: list[dict[str, Any]] = []
    total = {name: len(records) for name, records in data.items()}
    while _size({**data, "_truncated": cut}) > limit:
        name = max(data, key=lambda n: _size(data[n]))
        if not data[name]:
            break
        budget = limit - _size({**data, name: [], "_truncated": cut}) - 200
        data = {**data, name: _fitting(data[name], budget)}
        cut = [c for c in cut if c["data_set"] != name]
        cut.append({"data_set": name, "kept": len(data[name]), "total": total[name]})
    return {**data, "_truncated": cut} if cut else data


def _fitting(records: Sequence[Any], budget: int) -> list[Any]:
    kept: list[Any] = []
    used = 0
    for record in records:
        used += _size(record) + 1
        if used > budget:
            break
        kept.append(record)
    return kept


def contact_strings(person: Recipient) -> list[str]:
    """The participant's contact as a message to someone else spells it (`match_contact`)."""
    name = " ".join(p for p in (person.given_name, person.family_name) if p)
    found = [name, person.email, person.phone]
    return sorted({s for s in found if s and len(s) >= 3}, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, ERASED)
    return text


def without_contact(message: SharedContact, secrets: Sequence[str]) -> SharedContact:
    """Another's message with the erased participant's contact replaced by `ERASED`."""
    subject, body = redact(message.subject, secrets), redact(message.body, secrets)
    html = to_html(subject, body) if message.html is not None else None
    return SharedContact(id=message.id, subject=subject, body=body, html=html)
