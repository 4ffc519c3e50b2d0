"""The service path: this service's own entries."""

from __future__ import annotations

import uuid
from typing import Any

from voimala_kit.db import Connection

from ..repository import timeline
from .deps import Deps


async def note(
    deps: Deps,
    conn: Connection,
    participant_id: uuid.UUID,
    kind: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """One entry on the participant's path, now, from this service. No personal data in it."""
    await timeline.add(conn, participant_id, kind, deps.clock.now(), detail=detail)
