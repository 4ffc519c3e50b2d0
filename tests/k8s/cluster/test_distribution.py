"""Distribution on this machine (`make cluster-faults`): the platform as deploy/k8s runs it,
three brokers and two replicas of every service (deploy/local/cluster.py), under a steady
stream of registrations, while its parts are killed and restarted.

Each scenario then checks, for every participant whose registration was answered 201:
its events are in voimala.participants (the outbox lost nothing), and every consuming
service recorded each event it handles exactly once in its inbox, in the transaction of its
effect (the consumers lost nothing and doubled nothing). What the relay published twice, and
how long the consumers took to resume, is measured and reported, never asserted.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import random
import signal
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from voimala_contracts import topics
from voimala_kit.auth import issue_token

pytestmark = pytest.mark.faults

ROOT = Path(__file__).resolve().parents[3]
RATE = float(os.environ.get("VOIMALA_CLUSTER_RATE", "8"))  # registrations a second
#: What each consumer of voimala.participants applies (and so records in its inbox) of a
#: registration; the other types it skips.
HANDLED = {
    "matching": {"participant.registered.v1"},
    "notifications": {"participant.registered.v1", "participant.contact_changed.v1"},
}
#: Waiting for the consumers to catch up is bounded so that a loss ends the run; the bound is
#: far beyond what a catch-up takes and no assertion is made on the time.
CATCH_UP_SECONDS = 300


def load_cluster() -> ModuleType:
    path = ROOT / "deploy" / "local" / "cluster.py"
    spec = importlib.util.spec_from_file_location("voimala_cluster", path)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["voimala_cluster"] = module
    spec.loader.exec_module(module)
    return module


cluster = load_cluster()


def report(line: str) -> None:
    """Measurements go to the terminal and to test-artifacts/cluster-faults.txt."""
    out = ROOT / "test-artifacts" / "cluster-faults.txt"
    out.parent.mkdir(exist_ok=True)
    with out.open("a") as f:
        f.write(line + "\n")
    sys.stdout.write(line + "\n")


@pytest.fixture(scope="module", autouse=True)
def running() -> None:
    cluster.start()
    asyncio.run(cluster.in_sync())


@dataclass
class Load:
    """Registrations at a steady rate, each sent to one participants replica and, if that one
    does not answer, to the other (as a Kubernetes Service would)."""

    token: str
    accepted: set[str] = field(default_factory=set)
    refused: Counter[str] = field(default_factory=Counter)

    async def run(self, stop: asyncio.Event) -> None:
        replicas = cluster.replicas("participants")
        async with httpx.AsyncClient(timeout=10) as client:
            pending: set[asyncio.Task[None]] = set()
            started = time.monotonic()
            n = 0
            while not stop.is_set():
                due = started + n / RATE
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                task = asyncio.create_task(self.register(client, random.sample(replicas, 2)))
                pending.add(task)
                task.add_done_callback(pending.discard)
                n += 1
            if pending:
                await asyncio.wait(pending)

    async def register(self, client: httpx.AsyncClient, order: list[Any]) -> None:
        tag = uuid.uuid4().hex[:10]
        person = {
            "given_name": "Aino",
            "family_name": f"Koe{tag}",
            "email": f"aino.{tag}@example.fi",
            "preferred_language": random.choice(["fi", "sv", "en"]),
            "skills": ["customer service"],
            "matching_consent": True,
        }
        for replica in order:
            try:
                r = await client.post(
                    f"{replica.url}/participants",
                    json=person,
                    headers={"Authorization": f"Bearer {self.token}"},
                )
            except httpx.HTTPError as exc:
                self.refused[type(exc).__name__] += 1
                continue
            if r.status_code == 201:
                self.accepted.add(r.json()["id"])
                return
            self.refused[str(r.status_code)] += 1


def coordinator_token() -> str:
    private = (ROOT / ".local" / "keys" / "jwt-private.pem").read_bytes()
    return issue_token(
        private, role="coordinator", subject="cluster-faults", lifetime=timedelta(hours=2)
    )


async def under_load(scenario: Callable[[], Any]) -> Load:
    load = Load(coordinator_token())
    stop = asyncio.Event()
    running = asyncio.create_task(load.run(stop))
    try:
        await scenario()
    finally:
        stop.set()
        await running
    return load


@dataclass(frozen=True)
class Published:
    event_id: str
    type: str
    subject: str
    time: datetime


async def published(subjects: set[str]) -> list[Published]:
    """Every record of voimala.participants about these participants, as the log has it."""
    admin = AIOKafkaAdminClient(bootstrap_servers=cluster.bootstrap())
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topics.PARTICIPANTS])
    finally:
        await admin.close()
    parts = [TopicPartition(topics.PARTICIPANTS, p["partition"]) for p in described["partitions"]]
    assert len(parts) == cluster.EVENT_PARTITIONS
    consumer = AIOKafkaConsumer(
        bootstrap_servers=cluster.bootstrap(), enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    try:
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        found = []
        while [tp for tp in parts if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
            for records in batch.values():
                for record in records:
                    event = json.loads(record.value or b"{}")
                    if event.get("subject") in subjects:
                        found.append(
                            Published(
                                event["id"],
                                event["type"],
                                event["subject"],
                                datetime.fromisoformat(event["time"]),
                            )
                        )
        return found
    finally:
        await consumer.stop()


async def inbox(service: str, ids: list[str]) -> dict[str, tuple[int, datetime]]:
    """event id -> (rows in the service's inbox, when applied)."""
    conn = await asyncpg.connect(cluster.superuser_dsn(service))
    try:
        rows = await conn.fetch(
            "SELECT event_id::text AS id, count(*) AS n, max(processed_at) AS at FROM inbox"
            " WHERE consumer = $1 AND event_id = ANY($2::uuid[]) GROUP BY event_id",
            service,
            ids,
        )
    finally:
        await conn.close()
    return {r["id"]: (r["n"], r["at"]) for r in rows}


async def outbox_left(service: str) -> int:
    conn = await asyncpg.connect(cluster.superuser_dsn(service))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM outbox"))
    finally:
        await conn.close()


async def check(name: str, load: Load) -> None:
    """Nothing lost, nothing applied twice; and what it cost, reported."""
    assert len(load.accepted) > 50, f"{name}: only {len(load.accepted)} registrations accepted"
    deadline = time.monotonic() + CATCH_UP_SECONDS
    while True:
        events = await published(load.accepted)
        have = {(e.subject, e.type) for e in events}
        missing_in_log = [
            (s, t) for s in load.accepted for t in HANDLED["notifications"] if (s, t) not in have
        ]
        applied = {
            service: await inbox(service, [e.event_id for e in events if e.type in types])
            for service, types in HANDLED.items()
        }
        unapplied = {
            service: [e for e in events if e.type in HANDLED[service] and e.event_id not in got]
            for service, got in applied.items()
        }
        if not missing_in_log and not any(unapplied.values()):
            break
        if time.monotonic() > deadline:
            pytest.fail(
                f"{name}: after {CATCH_UP_SECONDS} s, {len(missing_in_log)} events never"
                f" published; unapplied: { {s: len(u) for s, u in unapplied.items()} }"
            )
        await asyncio.sleep(2)
    twice_in_log = sum(n - 1 for n in Counter(e.event_id for e in events).values() if n > 1)
    for service, got in applied.items():
        doubled = {i: n for i, (n, _) in got.items() if n != 1}
        assert not doubled, f"{name}: {service} applied {len(doubled)} events more than once"
    waits = [
        (got[e.event_id][1] - e.time).total_seconds()
        for service, got in applied.items()
        for e in events
        if e.type in HANDLED[service] and e.event_id in got
    ]
    assert await outbox_left("participants") == 0
    report(
        f"{name}: {len(load.accepted)} registrations accepted ({dict(load.refused) or 'none'}"
        f" refused or retried on the other replica), {len({e.event_id for e in events})} events"
        f" about them in the log; every registration and contact event applied exactly once by"
        f" matching and notifications ({sum(len(g) for g in applied.values())} inbox rows);"
        f" published twice by the relay: {twice_in_log}; longest wait from commit to applied:"
        f" {max(waits):.1f} s"
    )


async def committed(group: str) -> dict[TopicPartition, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=cluster.bootstrap())
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return {tp: meta.offset for tp, meta in offsets.items() if tp.topic == topics.PARTICIPANTS}


async def resumed(group: str, before: dict[TopicPartition, int], since: float) -> float:
    """Seconds from `since` until every partition's committed offset has moved past `before`:
    the survivors took over the dead replica's partitions and applied their next events."""
    deadline = time.monotonic() + CATCH_UP_SECONDS
    while time.monotonic() < deadline:
        now = await committed(group)
        if before and all(now.get(tp, -1) > offset for tp, offset in before.items()):
            return time.monotonic() - since
        await asyncio.sleep(0.25)
    pytest.fail(f"{group}: partitions not taken over")


def test_a_broker_killed_under_load_loses_nothing_and_doubles_nothing() -> None:
    async def scenario() -> None:
        await asyncio.sleep(10)
        victim = 2
        await asyncio.to_thread(cluster.stop_broker, victim, signal.SIGKILL)
        report(f"broker kill: kafka-{victim} SIGKILLed")
        await asyncio.sleep(20)
        cluster.start_broker(victim)
        await cluster.wait_brokers()
        await asyncio.sleep(10)

    async def run() -> None:
        load = await under_load(scenario)
        await check("broker kill", load)
        await cluster.in_sync()

    asyncio.run(run())


def test_a_replica_killed_hands_its_partitions_over_and_each_event_is_applied_once() -> None:
    victims = [cluster.Replica(s, 1) for s in ("participants", "matching", "notifications")]
    took: dict[str, float] = {}

    async def scenario() -> None:
        await asyncio.sleep(10)
        before = {g: await committed(g) for g in HANDLED}
        killed_at = time.monotonic()
        for replica in victims:
            await asyncio.to_thread(cluster.stop_replica, replica, signal.SIGKILL)
        report("replica kill: " + ", ".join(r.name for r in victims) + " SIGKILLed")
        for group in HANDLED:
            took[group] = await resumed(group, before[group], killed_at)
        await asyncio.sleep(5)

    async def run() -> None:
        load = await under_load(scenario)
        for replica in victims:
            cluster.start_replica(replica)
        await asyncio.to_thread(cluster.wait_ready, victims)
        await check("replica kill", load)
        report(
            "replica kill: every partition of voimala.participants moving again after "
            + ", ".join(f"{g} {s:.1f} s" for g, s in took.items())
            + " (from the kill; includes the group's session timeout and the wait for the"
            " next event on each of the 12 partitions)"
        )

    asyncio.run(run())


def test_a_rolling_restart_under_load_loses_nothing() -> None:
    async def scenario() -> None:
        await asyncio.sleep(5)
        started = time.monotonic()
        for replica in cluster.replicas():
            await asyncio.to_thread(cluster.stop_replica, replica, signal.SIGTERM)
            cluster.start_replica(replica)
            await asyncio.to_thread(cluster.wait_ready, [replica])
        took = time.monotonic() - started
        report(f"rolling restart: 10 service replicas, one at a time, in {took:.0f} s")
        started = time.monotonic()
        for node in cluster.BROKERS:
            await asyncio.to_thread(cluster.stop_broker, node, signal.SIGTERM)
            cluster.start_broker(node)
            await cluster.wait_brokers()
            await cluster.in_sync()
        report(f"rolling restart: 3 brokers, one at a time, in {time.monotonic() - started:.0f} s")
        await asyncio.sleep(5)

    async def run() -> None:
        load = await under_load(scenario)
        await check("rolling restart", load)

    asyncio.run(run())
