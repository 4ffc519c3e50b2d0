"""What the portal reads from Kafka: who a sign-in address belongs to (from notifications)."""

from __future__ import annotations

from typing import Any

from voimala_contracts import CloudEvent, topics
from voimala_contracts.portal import SigninIdentified
from voimala_kit import Connection, Handler
from voimala_kit.clock import SystemClock

from .repository import signin_links

SUBSCRIBE = [topics.NOTIFICATIONS]


async def keep_identity(conn: Connection, data: SigninIdentified, event: CloudEvent) -> None:
    """The link's person, as notifications found them: pressing the link's button can now
    start their session. A link already removed (expired and purged) is simply not there."""
    await signin_links.identify(
        conn,
        data.link_id,
        subject=str(data.subject),
        role=data.role,
        org=data.org,
        display_name=data.personal.name,
        now=SystemClock().now(),
    )


def handlers() -> list[Handler[Any]]:
    return [Handler(SigninIdentified, keep_identity)]
