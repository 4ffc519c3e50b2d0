"""Signed one-click answers: `<payload>.<signature>`, HMAC-SHA256 over the payload.

The payload is base64url JSON with the link's id, the proposal, the answer, who answers and
the expiry. The signature proves the service wrote it; the expiry and the table of answered
proposals make it short-lived and single-use.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime


class BadLink(ValueError):  # noqa: N818 - reads as what it is
    """Not a link this service signed, or altered. The reason holds no input."""


@dataclass(frozen=True)
class ActionLink:
    link_id: uuid.UUID
    proposal_id: uuid.UUID
    answer: str  # accept | decline
    responder_kind: str  # partner | mentor
    responder_id: uuid.UUID
    user_id: uuid.UUID
    expires_at: datetime


#: A signed answer link in a message's text: `<public url>/actions/<payload>.<signature>`.
_LINK_IN_TEXT = re.compile(r"https?://[^\s<]*/actions/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
WITHHELD = "[a link for the recipient only]"


def without_links(text: str) -> str:
    """The text with its signed answer links left out: a link answers for the person it was
    sent to, so no one else may see it (staff reading another's inbox)."""
    return _LINK_IN_TEXT.sub(WITHHELD, text)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, payload: str) -> str:
    return _b64(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())


def sign(link: ActionLink, secret: str) -> str:
    body = {
        "l": str(link.link_id),
        "p": str(link.proposal_id),
        "a": link.answer,
        "k": link.responder_kind,
        "r": str(link.responder_id),
        "u": str(link.user_id),
        "e": int(link.expires_at.timestamp()),
    }
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    return f"{payload}.{_mac(secret, payload)}"


def verify(token: str, secret: str) -> ActionLink:
    """The link's content if the signature holds; expiry is the caller's to judge."""
    if not token.isascii():  # base64url and a dot; compare_digest refuses other text
        raise BadLink("not a link")
    payload, dot, signature = token.partition(".")
    if not dot or not hmac.compare_digest(_mac(secret, payload), signature):
        raise BadLink("signature does not match")
    try:
        body = json.loads(_unb64(payload))
        link = ActionLink(
            link_id=uuid.UUID(body["l"]),
            proposal_id=uuid.UUID(body["p"]),
            answer=str(body["a"]),
            responder_kind=str(body["k"]),
            responder_id=uuid.UUID(body["r"]),
            user_id=uuid.UUID(body["u"]),
            expires_at=datetime.fromtimestamp(int(body["e"]), UTC),
        )
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise BadLink("malformed payload") from None
    if link.answer not in ("accept", "decline") or link.responder_kind not in ("partner", "mentor"):
        raise BadLink("malformed payload")
    return link
