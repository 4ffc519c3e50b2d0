"""`voimala-ops` against the services as processes on the real broker and databases: a poison
message is listed with its provenance and without personal data; a dead letter whose cause
was removed is replayed and applied exactly once, however often it is replayed."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition
from voimala_contracts import (
    MatchingProfile,
    ParticipantContact,
    ParticipantContactChanged,
    ParticipantRegistered,
    new_event,
    topics,
)
from voimala_kit.auth import TokenVerifier
from voimala_kit.kafka import make_producer
from voimala_kit.testing import auth, read_topic, wait_for
from voimala_ops import OPS_TOPIC, OpsConfig
from voimala_ops.api import create_api

from tests.conftest import Platform

from .conftest import ops, ops_json

pytestmark = pytest.mark.e2e
PERSON = ("Matti", "Virtanen", "matti.virtanen@example.fi")


async def _send(bootstrap: str, topic: str, value: bytes, key: bytes) -> tuple[int, int]:
    producer = make_producer(bootstrap, "ops-test")
    await producer.start()
    try:
        sent = await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()
    return sent.partition, sent.offset


async def _listed(
    env: dict[str, str], platform: Platform, service: str, topic: str, where: tuple[int, int]
) -> Any:
    """The dead letter of this session's `service` that came from that place, once it is there
    (another stack on the broker, the browser tests' say, dead-letters the same record too)."""
    group = platform[service].env[f"{service.upper()}_CONSUMER_GROUP"]

    async def found() -> Any:
        letters = await ops_json(env, "dlq", "list", "--service", service, "--limit", "1000")
        return next(
            (
                d
                for d in letters
                if d["original"] == {"topic": topic, "partition": where[0], "offset": where[1]}
                and d["consumer"] == group
            ),
            None,
        )

    # The services read their topics from the start: on a busy machine that takes minutes.
    return await wait_for(found, timeout=300, interval=1.0)


async def test_a_poison_message_is_listed_with_its_provenance_and_without_personal_data(
    platform: Platform, ops_env: dict[str, str], kafka_bootstrap: str
) -> None:
    pid = uuid.uuid4()
    event = new_event(
        ParticipantContactChanged(
            participant_id=pid,
            personal=ParticipantContact(
                given_name=PERSON[0], family_name=PERSON[1], email=PERSON[2]
            ),
        ),
        service="participants",
        subject=str(pid),
    ).model_dump(mode="json")
    event["data"]["participant_id"] = "not-a-uuid"  # notifications can never apply it
    where = await _send(
        kafka_bootstrap, topics.PARTICIPANTS, json.dumps(event).encode(), str(pid).encode()
    )

    letter = await _listed(ops_env, platform, "notifications", topics.PARTICIPANTS, where)
    group = platform["notifications"].env["NOTIFICATIONS_CONSUMER_GROUP"]
    assert letter["consumer"] == group
    assert letter["error"]["class"] == "InvalidEventError"
    assert letter["error"]["message"].startswith("invalid data: participant_id")
    assert letter["event"] == {"id": event["id"], "type": "participant.contact_changed.v1"}
    assert letter["replays"] == 0

    code, listing = await ops(ops_env, "dlq", "list", "--service", "notifications")
    assert code == 0
    assert letter["id"] in listing
    code, shown = await ops(ops_env, "dlq", "show", letter["id"], "--json")
    assert code == 0
    detail = json.loads(shown)
    assert detail["headers"]["dlq.original.offset"] == str(where[1])
    assert detail["envelope"]["data"]["personal"] == "[personal: 4 fields]"
    assert detail["envelope"]["data"]["participant_id"] == "[str]"
    code, text = await ops(ops_env, "dlq", "show", letter["id"])
    for output in (json.dumps(letter), listing, shown, text):
        for value in PERSON:
            assert value not in output

    # Replaying it would only dead-letter it again: refused, and nothing is sent.
    code, out = await ops(ops_env, "dlq", "replay", letter["id"], "--reason", "try", "--json")
    assert code == 1
    assert json.loads(out)[0]["outcome"] == "refused"
    assert "still invalid: invalid data" in json.loads(out)[0]["detail"]


_REFUSE = """
CREATE FUNCTION ops_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'refused by the test' USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER ops_test_refuse BEFORE INSERT ON inbox
    FOR EACH ROW WHEN (NEW.event_id = '{event_id}'::uuid) EXECUTE FUNCTION ops_test_refuse();
"""
_REMOVE = "DROP TRIGGER ops_test_refuse ON inbox; DROP FUNCTION ops_test_refuse();"


async def _committed_past(
    bootstrap: str, group: str, topic: str, partition: int, offset: int
) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:

        async def past() -> bool:
            offsets = await admin.list_consumer_group_offsets(group)
            at = offsets.get(TopicPartition(topic, partition))
            return at is not None and at.offset > offset

        await wait_for(past, timeout=60, interval=0.5)
    finally:
        await admin.close()


async def test_a_dead_letter_whose_cause_was_removed_is_replayed_and_applied_once(
    platform: Platform,
    ops_env: dict[str, str],
    kafka_bootstrap: str,
    token: Callable[..., str],
    jwt_keys: tuple[Path, Path],
) -> None:
    matching = platform["matching"]
    pid = uuid.uuid4()
    event = new_event(
        ParticipantRegistered(
            participant_id=pid,
            profile=MatchingProfile(skills=["welding"], matching_consent=True),
        ),
        service="participants",
        subject=str(pid),
    )
    db = await asyncpg.connect(matching.env["MATCHING_DATABASE_URL"])
    try:
        # The cause: matching's database refuses this one event (as a wrong constraint would).
        await db.execute(_REFUSE.format(event_id=event.id))
        where = await _send(
            kafka_bootstrap, topics.PARTICIPANTS, event.to_json(), str(pid).encode()
        )
        letter = await _listed(ops_env, platform, "matching", topics.PARTICIPANTS, where)
        assert letter["error"]["class"] == "CheckViolationError"
        assert letter["error"]["message"] == "handler failed"
        inbox = "SELECT count(*) FROM inbox WHERE event_id = $1"
        assert await db.fetchval(inbox, event.id) == 0

        dry = await ops_json(
            ops_env, "dlq", "replay", letter["id"], "--reason", "cause removed", "--dry-run"
        )
        assert dry == [
            {"id": letter["id"], "outcome": "would_replay", "topic": topics.PARTICIPANTS}
        ]

        await db.execute(_REMOVE)  # the cause removed
        reason = "the constraint that refused it was dropped"
        first = await ops_json(ops_env, "dlq", "replay", letter["id"], "--reason", reason)
        assert first[0]["outcome"] == "replayed"
        assert first[0]["topic"] == topics.PARTICIPANTS
        # Another within the minute goes over a limit of one a minute: refused, none sent.
        limited = {**ops_env, "VOIMALA_OPS_REPLAY_PER_MINUTE": "1"}
        code, out = await ops(limited, "dlq", "replay", letter["id"], "--reason", reason)
        assert code == 1
        assert "1 replays in the last minute; at most 1 a minute" in out

        async def applied() -> bool:
            return bool(await db.fetchval(inbox, event.id) == 1)

        await wait_for(applied, timeout=60)
        async with httpx.AsyncClient(base_url=matching.url) as http:
            profile = await http.get(f"/profiles/{pid}", headers=auth(token("coordinator")))
        assert profile.status_code == 200
        assert profile.json()["skills"] == ["welding"]
        applied_at = await db.fetchval(
            "SELECT processed_at FROM inbox WHERE event_id = $1", event.id
        )

        # Again, through the HTTP API this time: the inbox knows the event; nothing is applied
        # twice.
        config = OpsConfig(kafka=kafka_bootstrap, urls={}, actor="unused")
        app = create_api(config, TokenVerifier.from_file(jwt_keys[1], "voimala-dev", "voimala"))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://ops"
        ) as http:
            answer = await http.post(
                f"/ops/dead-letters/{letter['id']}/replay",
                json={"reason": reason},
                headers=auth(token("ops", subject="pekka")),
            )
        assert answer.status_code == 200, answer.text
        second = answer.json()
        assert second[0]["outcome"] == "replayed"
        group = matching.env["MATCHING_CONSUMER_GROUP"]
        await _committed_past(
            kafka_bootstrap, group, topics.PARTICIPANTS, second[0]["partition"], second[0]["offset"]
        )
        assert await db.fetchval(inbox, event.id) == 1
        assert (
            await db.fetchval("SELECT processed_at FROM inbox WHERE event_id = $1", event.id)
            == applied_at
        )
    finally:
        await db.execute("DROP TRIGGER IF EXISTS ops_test_refuse ON inbox")
        await db.close()

    # Both replays are recorded: who, why, where they landed.
    listed = await _listed(ops_env, platform, "matching", topics.PARTICIPANTS, where)
    assert listed["replays"] == 2
    records = await _audit(kafka_bootstrap, letter["id"])
    assert [r["offset"] for r in records] == [first[0]["offset"], second[0]["offset"]]
    assert [(r["by"], r["reason"], r["event_id"]) for r in records] == [
        ("ops-test", reason, str(event.id)),
        ("token:pekka", reason, str(event.id)),
    ]


async def _audit(bootstrap: str, letter_id: str) -> list[dict[str, Any]]:
    records = await read_topic(bootstrap, OPS_TOPIC, timeout=5)
    found = [json.loads(r.value) for r in records]
    return [
        e["data"]
        for e in found
        if e["type"] == "deadletter.replayed.v1" and e["subject"] == letter_id
    ]
