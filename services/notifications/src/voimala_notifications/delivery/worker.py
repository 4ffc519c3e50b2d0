"""The delivery job: claim due messages, hand them to their channels, record the outcome.

Runs as a kit worker, outside any consumer transaction: a channel that is down delays
messages, it never stops the consumer. Claims are leases (`FOR UPDATE SKIP LOCKED`, then a
`lease_until`), so several replicas share the work and a crashed worker's claims come back.
Transient failures wait with capped exponential backoff and jitter; permanent ones, or too
many transient ones, mark the message failed with the reason and emit
`notification.failed.v1`. Each outcome is recorded with its event in one transaction.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from voimala_contracts import EventData
from voimala_kit.db import Connection, Database
from voimala_kit.errors import backoff_delay
from voimala_kit.logging import get_logger
from voimala_kit.service import Platform

from ..domain.messages import Due, Outcome, failed_note, sent_note
from ..handlers.deps import Deps
from ..handlers.digests import gather_digest
from ..repository import deliveries
from ..settings import Settings
from .channels import Delivery, DeliveryError
from .metrics import HANDOFF_SECONDS, MESSAGES
from .wake import Wakeup

log = get_logger(__name__)


class Channel(Protocol):
    async def send(self, delivery: Delivery) -> None: ...


class DeliveryWorker:
    """One per process, run by `settings.delivery_loops` loops at once (`workers.py`)."""

    def __init__(
        self, deps: Deps, channels: Mapping[str, Channel], wakeup: Wakeup | None = None
    ) -> None:
        self._deps = deps
        self._settings = deps.settings
        self._channels = channels
        #: Set when messages became due (`wake.py`); else the loops look every idle poll.
        self._wakeup = wakeup or Wakeup()
        self._digests_after = -math.inf
        # A channel whose server cannot be reached is paused as a whole (a circuit breaker):
        # its messages wait in the queue instead of each failing on its own.
        self._down_until: dict[str, float] = {}
        self._outages: dict[str, int] = {}

    async def __call__(self, platform: Platform[Settings, Deps], stop: asyncio.Event) -> None:
        while not stop.is_set():
            done = await self.run_once(platform.db)
            if not done and await self._wakeup.wait(self._settings.delivery_idle_poll, stop):
                return

    async def run_once(self, db: Database) -> int:
        """One round: digests that are due, then one batch of due messages. Returns the batch."""
        await self._digests(db)
        now = self._deps.clock.now()
        s = self._settings
        clock = time.monotonic()
        down = [c for c, until in self._down_until.items() if until > clock]
        async with db.connection() as conn:  # one statement: no BEGIN and COMMIT round trips
            due = await deliveries.claim_due(
                conn, now, s.delivery_batch, s.delivery_lease, skip=down
            )
        if not due:
            return 0
        # The recipients are held while their messages are handed over: an erasure waits for
        # it, and a message whose recipient was erased after the claim is not sent.
        people = sorted({m.recipient_id for m in due})
        async with db.connection() as guard:
            await deliveries.hold_recipients(guard, people)
            try:
                still = await deliveries.still_due(guard, [m.id for m in due])
                outcomes = await self._deliver_all([m for m in due if m.id in still])
                async with db.transaction() as conn:
                    await self._record(conn, outcomes)
            finally:
                await deliveries.release_recipients(guard, people)
        return len(due)

    async def _deliver_all(self, messages: Sequence[Due]) -> list[Outcome]:
        """Every message's outcome, handed over by as many lanes at once as there may be SMTP
        sessions, each lane taking the next message when its last is done: a task per lane
        rather than per message (500 tasks a round, and the semaphore each waited on, cost
        more CPU than the exchanges)."""
        outcomes: dict[int, Outcome] = {}
        waiting = iter(enumerate(messages))

        async def lane() -> None:
            for index, message in waiting:
                outcomes[index] = await self._deliver(message)

        lanes = min(len(messages), self._settings.smtp_connections)
        await asyncio.gather(*(lane() for _ in range(lanes)))
        return [outcomes[i] for i in range(len(messages))]

    async def _deliver(self, message: Due) -> Outcome:  # noqa: PLR0911 - one return per outcome
        channel = message.channel
        if message.recipient_status != "active":
            return Outcome(message, "cancelled", "recipient_not_active")
        if channel == "in_app":
            return Outcome(message, "sent")
        to = message.address
        if not to:
            return Outcome(message, "failed", "no_address")
        delivery = Delivery(message.id, to, message.subject, message.body, message.html)
        if self._down_until.get(channel, 0.0) > time.monotonic():
            return Outcome(message, "retry", "channel_down")
        try:
            await self._channels[channel].send(delivery)
        except DeliveryError as exc:
            if exc.unreachable:
                self._trip(channel)
            if exc.permanent:
                return Outcome(message, "failed", exc.reason)
            if message.attempts + 1 >= self._settings.delivery_max_attempts:
                return Outcome(message, "failed", f"gave_up:{exc.reason}")
            return Outcome(message, "retry", exc.reason)
        if self._outages.pop(channel, None):
            self._down_until.pop(channel, None)
            log.info("delivery.channel_up", channel=channel)
        return Outcome(message, "sent")

    def _trip(self, channel: str) -> None:
        if self._down_until.get(channel, 0.0) > time.monotonic():
            return  # tripped already by another message of this round
        s = self._settings
        self._outages[channel] = self._outages.get(channel, 0) + 1
        pause = backoff_delay(
            self._outages[channel], s.delivery_backoff_base, s.delivery_backoff_cap
        )
        self._down_until[channel] = time.monotonic() + pause
        log.warning(
            "delivery.channel_down", channel=channel, outage=self._outages[channel], pause=pause
        )

    async def _record(self, conn: Connection, outcomes: Sequence[Outcome]) -> None:
        """Each outcome's status, and the events that tell of them, in one transaction."""
        now = self._deps.clock.now()
        sent = [o.message.id for o in outcomes if o.result == "sent"]
        if sent:
            await deliveries.mark_sent(conn, sent, now)
        events: list[tuple[EventData, str]] = []
        for outcome in outcomes:
            told = await self._record_one(conn, outcome, now)
            if told is not None:
                events.append((told, str(outcome.message.id)))
        if events:
            await self._deps.outbox.add_many(conn, events)
        # Counted once per (channel, outcome) of the round: a metric's label lookup a message
        # cost as much as its status.
        counted = Counter((o.message.channel, o.result) for o in outcomes)
        for (channel, result), count in counted.items():
            MESSAGES.labels(channel, result).inc(count)

    async def _record_one(
        self, conn: Connection, outcome: Outcome, now: datetime
    ) -> EventData | None:
        """One outcome's record (but a sent one's status, marked for the batch at once)."""
        message, reason = outcome.message, outcome.reason
        if outcome.result == "sent":
            if message.caused_at is not None:
                seconds = (now - message.caused_at).total_seconds()
                HANDOFF_SECONDS.labels(message.channel).observe(max(seconds, 0.0))
            return sent_note(message, now)
        if outcome.result == "retry":
            await self._retry(conn, message, reason, now)
            return None
        if outcome.result == "cancelled":
            await deliveries.cancel(conn, message.id, reason)
            return None
        await deliveries.mark_failed(conn, message.id, reason)
        log.warning(
            "delivery.failed", message_id=str(message.id), channel=message.channel, reason=reason
        )
        return failed_note(message, reason, now)

    async def _retry(self, conn: Connection, message: Due, reason: str, now: datetime) -> None:
        s = self._settings
        attempt = message.attempts + 1
        delay = backoff_delay(attempt, s.delivery_backoff_base, s.delivery_backoff_cap)
        await deliveries.mark_retry(conn, message.id, now + timedelta(seconds=delay), reason)
        log.warning(
            "delivery.retry",
            message_id=str(message.id),
            channel=message.channel,
            attempt=attempt,
            reason=reason,
        )

    async def _digests(self, db: Database) -> None:
        """Gather each due digest's held e-mails into one e-mail, queued for delivery: looked
        for at most once an idle poll (they are due by the hour), not on every round."""
        if time.monotonic() < self._digests_after:
            return
        self._digests_after = time.monotonic() + self._settings.delivery_idle_poll
        now = self._deps.clock.now()
        async with db.connection() as conn:
            due = await deliveries.due_digests(conn, now, 50)
        for recipient_id in due:
            async with db.transaction() as conn:
                await gather_digest(self._deps, conn, recipient_id, now)
