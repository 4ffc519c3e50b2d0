"""What the portal reads from Kafka: who a sign-in address belongs to (from notifications)."""

from __future__ import annotations

from typing import Any

from voimala_contracts import topics
from voimala_kit import Handler

SUBSCRIBE = [topics.NOTIFICATIONS]


def handlers() -> list[Handler[Any]]:
    return []
