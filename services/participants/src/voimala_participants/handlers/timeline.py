"""The service path: this service's own entries."""

from __future__ import annotations

import uuid
from typing import Any

from voimala_kit import Connection

from .. import clock
from ..repository import timeline


async def note(
    conn: Connection, participant_id: uuid.UUID, kind: str, detail: dict[str, Any] | None = None
) -> None:
    """One entry on the participant's path, now, from this service. No personal data in it."""
    await timeline.add(conn, participant_id, kind, clock.now(), detail=detail)
