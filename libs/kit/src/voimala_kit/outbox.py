"""The transactional outbox: an event is written in the same transaction as its change."""

from __future__ import annotations

from collections.abc import Sequence

from voimala_contracts import CloudEvent, EventData, new_event, topics

from .context import causation_id, correlation_id
from .db import Connection, mark_outbox_written
from .personal import Keyring, KeyringError, has_personal

__all__ = ["Outbox"]

_INSERT = "INSERT INTO outbox (event_id, topic, key, payload) VALUES ($1, $2, $3, $4)"


class Outbox:
    """Writes one service's events to its topic, keyed by the aggregate id (the subject).

    Every `personal` part is sealed with the subject's key before the row is written
    (voimala_kit/personal.py); the service's Platform gives the outbox its keyring at start.
    """

    def __init__(
        self, service: str, topic: str | None = None, keyring: Keyring | None = None
    ) -> None:
        self.service = service
        self.topic = topic or topics.BY_SERVICE[service]
        self.keyring = keyring

    async def add(self, conn: Connection, data: EventData, *, subject: str) -> CloudEvent:
        """Record one event inside the caller's transaction; it is published after commit."""
        (event,) = await self.add_many(conn, [(data, subject)])
        return event

    async def add_many(
        self, conn: Connection, items: Sequence[tuple[EventData, str]]
    ) -> list[CloudEvent]:
        events = [
            new_event(
                data,
                service=self.service,
                subject=subject,
                correlation_id=correlation_id(),
                causation_id=causation_id(),
            )
            for data, subject in items
        ]
        events = [await self._sealed(e) for e in events]
        rows = [(e.id, self.topic, e.subject, e.to_json()) for e in events]
        if len(rows) == 1:
            await conn.execute(_INSERT, *rows[0])  # executemany's pipeline costs more for one
        else:
            await conn.executemany(_INSERT, rows)
        mark_outbox_written()
        return events

    async def _sealed(self, event: CloudEvent) -> CloudEvent:
        if not has_personal(event.data):
            return event
        if self.keyring is None:
            raise KeyringError("no keyring: personal data must not be published in clear")
        data = await self.keyring.seal_data(event.subject, event.data)
        return event.model_copy(update={"data": data})
