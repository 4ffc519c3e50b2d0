"""Dead letters: list them, show one without personal data, replay them to where they came from.

A dead letter is named `<service>:<partition>:<offset>`, its place on `voimala.<service>.dlq`.
A replay sends the original key and value back to the original topic with `voimala.replay.*`
headers. It is safe to repeat: a consumer that has applied the event skips it (its inbox
holds the event id). A replay is refused while the message still cannot be valid (not
JSON, an invalid envelope or data, a type no contract knows): it would only come back.
Replays are rate-limited across every run (`OpsConfig.replay_per_minute`, counted on
`voimala.ops`) and paced within one.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from aiokafka import TopicPartition
from voimala_contracts import (
    EVENT_MODELS,
    STRUCTURED,
    InvalidEventError,
    new_event,
    parse_data,
    parse_envelope,
    topics,
)

from .audit import OPS_TOPIC, DeadLetterReplayed
from .config import CONSUMERS, OpsConfig
from .kafka import Record, read_one, read_topic
from .redact import envelope_view, safe_headers


class Clock(Protocol):
    def now(self) -> datetime: ...


__all__ = [
    "DeadLetter",
    "DeadLetterId",
    "RateLimitedError",
    "ReplayOutcome",
    "dead_letters",
    "one_dead_letter",
    "replay",
    "replays",
]

_ID = re.compile(r"^([a-z]+):(\d+):(\d+)$")
_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,200}$")
REPLAY = "voimala.replay."


class RateLimitedError(Exception):
    """More replays than the minute's limit allows."""


@dataclass(frozen=True, order=True)
class DeadLetterId:
    service: str
    partition: int
    offset: int

    @classmethod
    def parse(cls, text: str) -> DeadLetterId:
        found = _ID.match(text.strip())
        if found is None:
            raise ValueError(f"not a dead letter's id (<service>:<partition>:<offset>): {text!r}")
        return cls(found.group(1), int(found.group(2)), int(found.group(3)))

    @property
    def topic(self) -> str:
        return topics.dead_letter(self.service)

    def __str__(self) -> str:
        return f"{self.service}:{self.partition}:{self.offset}"


@dataclass
class DeadLetter:
    id: DeadLetterId
    record: Record
    headers: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        # The consumer appends its own headers after the message's: the last one counts.
        self.headers = {
            k: v.decode("utf-8", "replace")
            for k, v in self.record.headers
            if k.startswith(("dlq.", REPLAY))
        }

    @classmethod
    def of(cls, service: str, record: Record) -> DeadLetter:
        return cls(DeadLetterId(service, record.partition, record.offset), record)

    def summary(self, replayed: int = 0) -> dict[str, Any]:
        """Provenance and cause, from the headers (which never hold personal data)."""
        h = self.headers
        return {
            "id": str(self.id),
            "service": self.id.service,
            "dead_lettered_at": h.get("dlq.time"),
            "original": {
                "topic": h.get("dlq.original.topic"),
                "partition": _int(h.get("dlq.original.partition")),
                "offset": _int(h.get("dlq.original.offset")),
            },
            "consumer": h.get("dlq.consumer"),
            "error": {"class": h.get("dlq.error.class"), "message": h.get("dlq.error.message")},
            "event": {"id": h.get("dlq.event.id"), "type": h.get("dlq.event.type")},
            "replay_of": h.get(f"{REPLAY}of"),
            "replays": replayed,
        }

    def detail(self, replayed: int = 0) -> dict[str, Any]:
        """The summary, the headers and the envelope, personal parts only counted."""
        key = self.record.key
        shown_key = None
        if key is not None:
            text = key.decode("utf-8", "replace")
            shown_key = text if _KEY.match(text) else f"[{len(key)} bytes]"
        return {
            **self.summary(replayed),
            "headers": safe_headers(list(self.record.headers)),
            "key": shown_key,
            "envelope": envelope_view(self.record.value),
        }

    def still_poison(self) -> str | None:
        """Why a replay would only come back, or None when the message itself is sound."""
        target = self.headers.get("dlq.original.topic")
        if target not in topics.BY_SERVICE.values():
            return f"its original topic is not one of the platform's: {target}"
        try:
            event = parse_envelope(self.record.value)
            model = EVENT_MODELS.get(event.type)
            if model is None:
                return f"no contract for {event.type}"
            parse_data(event, model)
        except InvalidEventError as exc:
            return exc.reason
        return None


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() else None


async def replays(bootstrap: str, since_ms: int | None = None) -> list[dict[str, Any]]:
    """The replay records on `voimala.ops` (since a time, if given)."""
    found = []
    for record in await read_topic(bootstrap, OPS_TOPIC, since_ms):
        try:
            document = json.loads(record.value or b"")
        except ValueError:
            continue
        if isinstance(document, dict) and document.get("type") == DeadLetterReplayed.TYPE:
            data = document.get("data")
            if isinstance(data, dict):
                found.append(data)
    return found


async def dead_letters(
    config: OpsConfig, service: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The newest `limit` dead letters (0: all) of one service or of all, oldest first."""
    services = [service] if service else list(CONSUMERS)
    # Every topic read at once, each by a client of its own (read_topic): one after another,
    # the clients' start-ups and fetches added up to over half a second for the page.
    *read, replayed = await asyncio.gather(
        # The newest `limit` of all are among the newest `limit` of each partition.
        *(read_topic(config.kafka, topics.dead_letter(name), last=limit) for name in services),
        replays(config.kafka),
    )
    letters = [
        DeadLetter.of(name, record)
        for name, records in zip(services, read, strict=True)
        for record in records
    ]
    counts = Counter(r.get("dead_letter") for r in replayed)
    letters.sort(key=lambda d: (d.record.timestamp, str(d.id)))
    return [d.summary(counts[str(d.id)]) for d in (letters[-limit:] if limit else letters)]


async def one_dead_letter(config: OpsConfig, letter_id: DeadLetterId) -> dict[str, Any] | None:
    tp = TopicPartition(letter_id.topic, letter_id.partition)
    record, replayed = await asyncio.gather(
        read_one(config.kafka, tp, letter_id.offset), replays(config.kafka)
    )
    if record is None:
        return None
    counts = Counter(r.get("dead_letter") for r in replayed)
    return DeadLetter(letter_id, record).detail(counts[str(letter_id)])


@dataclass
class ReplayOutcome:
    id: str
    outcome: str  # replayed | would_replay | refused | skipped
    detail: str = ""
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


async def _chosen(
    bootstrap: str, ids: list[DeadLetterId], service: str | None
) -> tuple[list[DeadLetter], list[ReplayOutcome]]:
    """The dead letters to replay: the ones named, or every one of a service not replayed yet."""
    if service is not None:
        done = {r.get("dead_letter") for r in await replays(bootstrap)}
        letters, skipped = [], []
        for record in await read_topic(bootstrap, topics.dead_letter(service)):
            letter = DeadLetter.of(service, record)
            if str(letter.id) in done:
                skipped.append(ReplayOutcome(str(letter.id), "skipped", "replayed before"))
            else:
                letters.append(letter)
        return letters, skipped
    letters, missing = [], []
    for letter_id in ids:
        tp = TopicPartition(letter_id.topic, letter_id.partition)
        record = await read_one(bootstrap, tp, letter_id.offset)
        if record is None:
            missing.append(ReplayOutcome(str(letter_id), "refused", "no such dead letter"))
        else:
            letters.append(DeadLetter(letter_id, record))
    return letters, missing


def _sendable(letters: list[DeadLetter], outcomes: list[ReplayOutcome]) -> list[DeadLetter]:
    """The letters that would now be applied; the others refused into `outcomes`: a letter
    still invalid would only come back."""
    sendable = []
    for letter in letters:
        problem = letter.still_poison()
        if problem is not None:
            outcomes.append(ReplayOutcome(str(letter.id), "refused", f"still invalid: {problem}"))
        else:
            sendable.append(letter)
    return sendable


async def replay(
    config: OpsConfig,
    *,
    reason: str,
    ids: list[DeadLetterId] | None = None,
    service: str | None = None,
    dry_run: bool = False,
    per_second: float = 5.0,
    most: int = 100,
    by: str | None = None,
) -> list[ReplayOutcome]:
    """Send dead letters back where they came from, each recorded on `voimala.ops` with who
    (`by`, else the configured actor), when and why."""
    if not reason.strip():
        raise ValueError("a reason is required: why will it work now?")
    if (ids is None) == (service is None):
        raise ValueError("name dead letters, or a service with --all")
    # The kit brings the web stack with it: loaded only when something is to be sent.
    from voimala_kit.clock import SystemClock  # noqa: PLC0415
    from voimala_kit.kafka import ensure_topics, make_producer  # noqa: PLC0415

    clock = SystemClock()
    letters, outcomes = await _chosen(config.kafka, ids or [], service)
    sendable = _sendable(letters, outcomes)
    if len(sendable) > most:
        raise RateLimitedError(f"{len(sendable)} to replay, at most {most} at once (--max)")
    if dry_run:
        return outcomes + [
            ReplayOutcome(str(d.id), "would_replay", topic=d.headers["dlq.original.topic"])
            for d in sendable
        ]
    since = int((clock.now().timestamp() - 60) * 1000)
    recent = len(await replays(config.kafka, since)) if sendable else 0
    if recent + len(sendable) > config.replay_per_minute:
        raise RateLimitedError(
            f"{recent} replays in the last minute; at most {config.replay_per_minute} a minute"
        )
    if not sendable:
        return outcomes
    await ensure_topics(config.kafka, [OPS_TOPIC], partitions=1)
    producer = make_producer(config.kafka, "voimala-ops")
    await producer.start()
    try:
        for n, letter in enumerate(sendable):
            if n:
                await asyncio.sleep(1 / per_second)
            outcomes.append(await _send(producer, letter, by or config.actor, reason, clock))
    finally:
        await producer.stop()
    return outcomes


async def _send(
    producer: Any, letter: DeadLetter, by: str, reason: str, clock: Clock
) -> ReplayOutcome:
    replay_id = uuid.uuid4()
    target = letter.headers["dlq.original.topic"]
    headers = [(k, v) for k, v in letter.record.headers if not k.startswith(("dlq.", REPLAY))] + [
        (f"{REPLAY}id", str(replay_id).encode()),
        (f"{REPLAY}of", str(letter.id).encode()),
        (f"{REPLAY}time", clock.now().isoformat().encode()),
    ]
    sent = await producer.send_and_wait(
        target, value=letter.record.value, key=letter.record.key, headers=headers
    )
    event = parse_envelope(letter.record.value)
    record = DeadLetterReplayed(
        replay_id=replay_id,
        dead_letter=str(letter.id),
        event_id=event.id,
        event_type=event.type,
        topic=target,
        partition=sent.partition,
        offset=sent.offset,
        by=by[:200],
        reason=reason[:500],
        replayed_at=clock.now(),
    )
    audit = new_event(record, service="ops", subject=str(letter.id))
    await producer.send_and_wait(
        OPS_TOPIC, value=audit.to_json(), key=str(letter.id).encode(), headers=list(STRUCTURED)
    )
    return ReplayOutcome(
        str(letter.id), "replayed", topic=target, partition=sent.partition, offset=sent.offset
    )
