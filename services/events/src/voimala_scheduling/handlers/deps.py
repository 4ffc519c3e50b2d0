"""What the use cases need beyond a connection, built once in `bootstrap.py`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from voimala_kit.clock import Clock
from voimala_kit.outbox import Outbox

from ..settings import Settings
from .batcher import Batcher


class FeedCache:
    """Calendar feeds built in this process, by what they were built from (language, length,
    day and the programme's stamp): a feed is built once per change of the programme."""

    def __init__(self, size: int = 16) -> None:
        self._size = size
        self._feeds: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self._feeds.get(key)

    def put(self, key: str, feed: bytes) -> None:
        if len(self._feeds) >= self._size:
            self._feeds.pop(next(iter(self._feeds)))  # the oldest
        self._feeds[key] = feed


@dataclass(frozen=True)
class Deps:
    settings: Settings
    clock: Clock
    outbox: Outbox
    #: One per language and length asked, until anything in the programme changes.
    feed_cache: FeedCache = field(default_factory=FeedCache)
    #: Registrations waiting for their occurrence's next batch (handlers/registration_queue).
    registrar: Batcher[uuid.UUID, Any, Any] = field(default_factory=Batcher)

    @property
    def horizon(self) -> timedelta:
        """How far ahead occurrences are generated."""
        return timedelta(days=self.settings.horizon_days)

    @property
    def reminder_lead(self) -> timedelta:
        """How long before the start a confirmed registration is reminded."""
        return timedelta(hours=self.settings.reminder_lead_hours)
