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
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from voimala_contracts.notifications import NotificationFailed, NotificationSent
from voimala_kit import Connection, Database, Outbox, Platform, get_logger
from voimala_kit.errors import backoff_delay, sleep_or_stop

from .. import repository
from ..clock import Clock
from ..metrics import HANDOFF_SECONDS, MESSAGES
from ..settings import Settings
from ..templates import Templates
from .channels import Delivery, DeliveryError

log = get_logger(__name__)


class Channel(Protocol):
    async def send(self, delivery: Delivery) -> None: ...


@dataclass(frozen=True)
class _Outcome:
    row: Any
    result: str  # sent | retry | failed | cancelled
    reason: str = ""


class DeliveryWorker:
    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        templates: Templates,
        outbox: Outbox,
        channels: dict[str, Channel],
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._templates = templates
        self._outbox = outbox
        self._channels = channels
        # A channel whose server cannot be reached is paused as a whole (a circuit breaker):
        # its messages wait in the queue instead of each failing on its own.
        self._down_until: dict[str, float] = {}
        self._outages: dict[str, int] = {}

    async def __call__(self, platform: Platform, stop: asyncio.Event) -> None:
        while not stop.is_set():
            done = await self.run_once(platform.db)
            if not done and await sleep_or_stop(self._settings.delivery_idle_poll, stop):
                return

    async def run_once(self, db: Database) -> int:
        """One round: digests that are due, then one batch of due messages. Returns the batch."""
        await self._digests(db)
        now = self._clock.now()
        s = self._settings
        clock = time.monotonic()
        down = [c for c, until in self._down_until.items() if until > clock]
        async with db.transaction() as conn:
            rows = await repository.claim_due(
                conn, now, s.delivery_batch, s.delivery_lease, skip=down
            )
        if not rows:
            return 0
        outcomes = await asyncio.gather(*(self._deliver(row) for row in rows))
        async with db.transaction() as conn:
            await self._record(conn, outcomes)
        return len(rows)

    async def _deliver(self, row: Any) -> _Outcome:  # noqa: PLR0911 - one return per outcome
        channel = row["channel"]
        if row["recipient_status"] != "active":
            return _Outcome(row, "cancelled", "recipient_not_active")
        if channel == "in_app":
            return _Outcome(row, "sent")
        to = row["email"] if channel == "email" else row["phone"]
        if not to:
            return _Outcome(row, "failed", "no_address")
        delivery = Delivery(row["id"], to, row["subject"], row["body"], row["html"])
        if self._down_until.get(channel, 0.0) > time.monotonic():
            return _Outcome(row, "retry", "channel_down")
        try:
            await self._channels[channel].send(delivery)
        except DeliveryError as exc:
            if exc.unreachable:
                self._trip(channel)
            if exc.permanent:
                return _Outcome(row, "failed", exc.reason)
            if row["attempts"] + 1 >= self._settings.delivery_max_attempts:
                return _Outcome(row, "failed", f"gave_up:{exc.reason}")
            return _Outcome(row, "retry", exc.reason)
        if self._outages.pop(channel, None):
            self._down_until.pop(channel, None)
            log.info("delivery.channel_up", channel=channel)
        return _Outcome(row, "sent")

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

    async def _record(self, conn: Connection, outcomes: list[_Outcome]) -> None:
        now = self._clock.now()
        s = self._settings
        sent = [o for o in outcomes if o.result == "sent"]
        if sent:
            await repository.mark_sent(conn, [o.row["id"] for o in sent], now)
        events: list[tuple[Any, str]] = []
        for o in outcomes:
            row = o.row
            MESSAGES.labels(row["channel"], o.result).inc()
            if o.result == "sent":
                if row["caused_at"] is not None:
                    seconds = (now - row["caused_at"]).total_seconds()
                    HANDOFF_SECONDS.labels(row["channel"]).observe(max(seconds, 0.0))
                events.append(
                    (
                        NotificationSent(
                            message_id=row["id"],
                            event_id=row["event_id"],
                            recipient_id=row["recipient_id"],
                            channel=row["channel"],
                            template=row["template"],
                            category=row["category"],
                            attempts=row["attempts"] + 1,
                            sent_at=now,
                        ),
                        str(row["id"]),
                    )
                )
            elif o.result == "retry":
                delay = backoff_delay(
                    row["attempts"] + 1, s.delivery_backoff_base, s.delivery_backoff_cap
                )
                await repository.mark_retry(
                    conn, row["id"], now + timedelta(seconds=delay), o.reason
                )
                log.warning(
                    "delivery.retry",
                    message_id=str(row["id"]),
                    channel=row["channel"],
                    attempt=row["attempts"] + 1,
                    reason=o.reason,
                )
            elif o.result == "cancelled":
                await repository.cancel(conn, row["id"], o.reason)
            else:
                await repository.mark_failed(conn, row["id"], o.reason)
                log.warning(
                    "delivery.failed",
                    message_id=str(row["id"]),
                    channel=row["channel"],
                    reason=o.reason,
                )
                events.append(
                    (
                        NotificationFailed(
                            message_id=row["id"],
                            event_id=row["event_id"],
                            recipient_id=row["recipient_id"],
                            channel=row["channel"],
                            template=row["template"],
                            category=row["category"],
                            attempts=row["attempts"] + 1,
                            reason=o.reason[:200],
                            failed_at=now,
                        ),
                        str(row["id"]),
                    )
                )
        if events:
            await self._outbox.add_many(conn, events)

    async def _digests(self, db: Database) -> None:
        """Gather each due digest's held e-mails into one e-mail, queued for delivery."""
        now = self._clock.now()
        async with db.connection() as conn:
            due = await repository.due_digests(conn, now, 50)
        for recipient_id in due:
            async with db.transaction() as conn:
                if not await repository.claim_digest(conn, recipient_id):
                    continue  # another loop or replica is gathering this one
                items = await repository.digest_items(conn, recipient_id, now)
                if not items:
                    continue
                (person,) = await repository.reachable(conn, [recipient_id])
                rendered = self._templates.render(
                    "digest",
                    person["preferred_language"],
                    {
                        "given_name": person["given_name"],
                        "items": [{"subject": i["subject"], "text": i["body"]} for i in items],
                    },
                )
                digest_id = uuid.uuid4()
                await repository.add_message(
                    conn,
                    message_id=digest_id,
                    recipient_id=recipient_id,
                    event_id=digest_id,
                    channel="email",
                    template="digest",
                    language=rendered.language,
                    subject=rendered.subject,
                    body=rendered.text,
                    html=rendered.html,
                    status="queued",
                    at=now,
                    category="digest",
                    caused_at=now,
                )
                await repository.mark_digested(conn, [i["id"] for i in items], now, digest_id)
