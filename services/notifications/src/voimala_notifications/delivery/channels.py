"""What a channel adapter gets and how it fails."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Delivery:
    message_id: uuid.UUID
    to: str
    subject: str
    text: str
    html: str | None


class DeliveryError(Exception):
    """A channel could not take a message. `reason` is a code that holds no personal data.

    `permanent`: trying again cannot help (a refused address); else it is worth a retry.
    `unreachable`: the server itself is away: every message of the channel would fail now.
    """

    def __init__(self, reason: str, *, permanent: bool, unreachable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.unreachable = unreachable
