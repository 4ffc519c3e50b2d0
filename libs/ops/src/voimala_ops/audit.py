"""Every replay is recorded on `voimala.ops`: who, when, why, what went where."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from pydantic import Field
from voimala_contracts import EventData

__all__ = ["OPS_TOPIC", "DeadLetterReplayed"]

#: The operations team's own topic: a record of what was done by hand.
OPS_TOPIC = "voimala.ops"


class DeadLetterReplayed(EventData):
    """A dead letter was sent back to the topic it came from (`voimala-ops dlq replay`)."""

    TYPE: ClassVar[str] = "deadletter.replayed.v1"
    AGGREGATE: ClassVar[str] = "deadletter"
    TOPIC: ClassVar[str] = OPS_TOPIC

    replay_id: uuid.UUID
    dead_letter: str = Field(description="<service>:<partition>:<offset> on voimala.<service>.dlq")
    event_id: uuid.UUID | None = None
    event_type: str | None = None
    topic: str = Field(description="where it was sent: the topic it was first read from")
    partition: int
    offset: int = Field(description="where it landed")
    by: str = Field(max_length=200, description="who replayed it")
    reason: str = Field(max_length=500, description="why it will work now")
    replayed_at: datetime
