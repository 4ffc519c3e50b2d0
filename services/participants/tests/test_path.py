"""Consent, the service path (timeline, exit, follow-up, return), visits and ideas."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from voimala_contracts import new_event, topics
from voimala_contracts.matching import Explanation, MatchProposed
from voimala_contracts.notifications import NotificationSent
from voimala_contracts.scheduling import (
    AttendanceRecorded,
    IdeaRealised,
    OccurrenceInfo,
    RegistrationConfirmed,
    Texts,
)
from voimala_kit.testing import auth, read_topic, running_app, wait_for
from voimala_participants.bootstrap import bootstrap
from voimala_participants.settings import Settings

from .conftest import failed_fields, person, problem


@pytest.fixture
def staff(token: Callable[..., str]) -> dict[str, str]:
    return auth(token("counsellor", subject="counsellor-7"))


async def _register(client: httpx.AsyncClient, headers: dict[str, str], **over: Any) -> str:
    r = await client.post("/participants", json=person(**over), headers=headers)
    assert r.status_code == 201, r.text
    pid: str = r.json()["id"]
    return pid


async def _events(kafka_bootstrap: str, key: str, at_least: int) -> list[dict[str, Any]]:
    async def published() -> list[dict[str, Any]] | None:
        records = await read_topic(kafka_bootstrap, topics.PARTICIPANTS)
        mine = [json.loads(r.value) for r in records if r.key == key.encode()]
        return mine if len(mine) >= at_least else None

    found: list[dict[str, Any]] = await wait_for(published, timeout=60)
    return found


# Consent


async def test_the_participant_withdraws_matching_consent_and_every_service_is_told(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    token: Callable[..., str],
    kafka_bootstrap: str,
) -> None:
    pid = await _register(client, staff, matching_consent=True)
    own = auth(token("participant", subject=pid))

    r = await client.post(
        f"/participants/{pid}/consents",
        json={"purpose": "matching", "granted": False, "text_version": "2026-02"},
        headers=own,
    )
    assert r.status_code == 201, r.text
    current = {c["purpose"]: c for c in r.json()["current"]}
    assert current["matching"]["granted"] is False
    assert current["matching"]["text_version"] == "2026-02"
    assert current["matching"]["recorded_by"] == pid
    assert current["registry"]["granted"] is True
    assert [c["purpose"] for c in r.json()["history"]] == ["matching", "matching", "registry"]

    record = (await client.get(f"/participants/{pid}", headers=own)).json()
    assert record["matching_consent"] is False

    events = await _events(kafka_bootstrap, pid, 6)
    withdrawn, profile = events[4:6]
    assert withdrawn["type"] == "participant.consent_changed.v1"
    assert withdrawn["data"]["purpose"] == "matching"
    assert withdrawn["data"]["granted"] is False
    assert withdrawn["data"]["text_version"] == "2026-02"
    assert profile["type"] == "participant.profile_updated.v1"
    assert profile["data"]["profile"]["matching_consent"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": "marketing", "granted": True}, "purpose"),
        ({"purpose": "matching"}, "granted"),
        ({"purpose": "matching", "granted": "maybe"}, "granted"),
        ({"purpose": "matching", "granted": True, "text_version": "v 1!"}, "text_version"),
        ({"purpose": "matching", "granted": True, "by": "me"}, "by"),
    ],
)
async def test_a_bad_consent_is_a_422_naming_the_field(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    db: asyncpg.Connection,
    body: dict[str, Any],
    field: str,
) -> None:
    pid = await _register(client, staff)
    r = await client.post(f"/participants/{pid}/consents", json=body, headers=staff)
    assert failed_fields(problem(r, 422)) == {("body", field)}
    count = await db.fetchval(
        "SELECT count(*) FROM consent WHERE participant_id = $1", uuid.UUID(pid)
    )
    assert count == 2  # registry and matching from the registration, nothing more


async def test_consent_of_an_unknown_participant_is_a_404(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    r = await client.post(
        f"/participants/{uuid.uuid4()}/consents",
        json={"purpose": "statistics", "granted": True},
        headers=staff,
    )
    problem(r, 404)


# The service path


async def test_the_timeline_is_newest_first_and_holds_no_personal_data(
    client: httpx.AsyncClient, staff: dict[str, str], token: Callable[..., str]
) -> None:
    pid = await _register(client, staff)
    await client.patch(f"/participants/{pid}", json={"goals": "Secret goal"}, headers=staff)
    await client.post(
        f"/participants/{pid}/consents",
        json={"purpose": "notifications_sms", "granted": True},
        headers=staff,
    )
    r = await client.get(
        f"/participants/{pid}/timeline", headers=auth(token("participant", subject=pid))
    )
    assert r.status_code == 200, r.text
    kinds = [e["kind"] for e in r.json()["items"]]
    assert kinds == [
        "consent.changed",
        "participant.updated",
        "consent.changed",
        "consent.changed",
        "participant.registered",
    ]
    times = [e["occurred_at"] for e in r.json()["items"]]
    assert times == sorted(times, reverse=True)
    assert "Secret goal" not in r.text

    first = await client.get(f"/participants/{pid}/timeline?limit=2", headers=staff)
    second = await client.get(
        f"/participants/{pid}/timeline",
        params={"limit": 10, "cursor": first.json()["next_cursor"]},
        headers=staff,
    )
    walked = [e["kind"] for e in first.json()["items"] + second.json()["items"]]
    assert walked == kinds


async def test_exit_follow_up_and_return_keep_the_first_episode(
    client: httpx.AsyncClient, staff: dict[str, str], kafka_bootstrap: str
) -> None:
    entered = datetime.now(UTC).date() - timedelta(days=200)
    pid = await _register(client, staff, entered_on=entered.isoformat(), subsidy_days=700)
    left = (entered + timedelta(days=30)).isoformat()

    r = await client.post(
        f"/participants/{pid}/exit",
        json={"exit_date": left, "outcome": "work_trial"},
        headers=staff,
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "exited"
    again = await client.post(
        f"/participants/{pid}/exit", json={"exit_date": left, "outcome": "employed"}, headers=staff
    )
    problem(again, 409)
    problem(
        await client.patch(f"/participants/{pid}", json={"status": "active"}, headers=staff), 409
    )

    r = await client.post(
        f"/participants/{pid}/episodes/1/follow-up", json={"outcome": "employed"}, headers=staff
    )
    assert r.status_code == 204, r.text
    twice = await client.post(
        f"/participants/{pid}/episodes/1/follow-up", json={"outcome": "other"}, headers=staff
    )
    problem(twice, 409)

    r = await client.post(f"/participants/{pid}/return", json={}, headers=staff)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["episode"]) == ("active", 2)
    problem(await client.post(f"/participants/{pid}/return", json={}, headers=staff), 409)
    read = (await client.get(f"/participants/{pid}", headers=staff)).json()
    assert read["episode"] == 2

    episodes = (await client.get(f"/participants/{pid}/episodes", headers=staff)).json()
    assert [
        (e["number"], e["exit_date"], e["outcome"], e["follow_up_outcome"]) for e in episodes
    ] == [
        (2, None, None, None),
        (1, left, "work_trial", "employed"),
    ]
    assert episodes[1]["started_on"] == entered.isoformat()
    assert episodes[1]["target_group"] == "subsidy_500_plus"

    events = await _events(kafka_bootstrap, pid, 7)
    exited = [e for e in events if e["type"] == "participant.exited.v1"]
    assert [e["data"] for e in exited] == [
        {"participant_id": pid, "exit_date": left, "outcome": "work_trial"}
    ]
    statuses = [
        e["data"]["profile"]["status"]
        for e in events
        if e["type"] == "participant.profile_updated.v1"
    ]
    assert statuses == ["exited", "active"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"exit_date": "2999-01-01", "outcome": "employed"}, "exit_date"),
        ({"exit_date": "2000-01-01", "outcome": "employed"}, "exit_date"),
        ({"exit_date": "2026-13-01", "outcome": "employed"}, "exit_date"),
        ({"exit_date": "2026-01-01", "outcome": "lottery"}, "outcome"),
    ],
)
async def test_a_bad_exit_is_a_422_and_changes_nothing(
    client: httpx.AsyncClient, staff: dict[str, str], body: dict[str, Any], field: str
) -> None:
    pid = await _register(client, staff)
    r = await client.post(f"/participants/{pid}/exit", json=body, headers=staff)
    assert failed_fields(problem(r, 422)) == {("body", field)}
    assert (await client.get(f"/participants/{pid}", headers=staff)).json()["status"] == "active"


# Visits and ideas


async def test_visits_identified_and_anonymous(
    client: httpx.AsyncClient, staff: dict[str, str], kafka_bootstrap: str
) -> None:
    pid = await _register(client, staff, birth_year=datetime.now(UTC).year - 60)
    r = await client.post(
        "/visits", json={"participant_id": pid, "purpose": "counselling"}, headers=staff
    )
    assert r.status_code == 201, r.text
    assert r.json()["age_group"] == "55_plus"
    visit_id = r.json()["id"]

    r = await client.post(
        "/visits",
        json={"purpose": "language_cafe", "age_group": "under_30", "count": 4},
        headers=staff,
    )
    assert r.status_code == 201, r.text
    assert (r.json()["participant_id"], r.json()["count"]) == (None, 4)

    (event,) = await _events(kafka_bootstrap, visit_id, 1)
    assert event["type"] == "visit.recorded.v1"
    assert event["data"]["participant_id"] == pid
    assert event["data"]["age_group"] == "55_plus"

    timeline = (await client.get(f"/participants/{pid}/timeline", headers=staff)).json()
    assert timeline["items"][0]["kind"] == "visit.recorded"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": "coffee"}, "purpose"),
        ({"purpose": "other", "count": 0}, "count"),
        ({"purpose": "other", "age_group": "teen"}, "age_group"),
        ({"purpose": "other", "visited_at": "2999-01-01T10:00:00Z"}, "visited_at"),
        ({"purpose": "other", "participant_id": str(uuid.uuid4())}, "participant_id"),
        ({"purpose": "other", "who": "x"}, "who"),
    ],
)
async def test_a_bad_visit_is_a_422(
    client: httpx.AsyncClient, staff: dict[str, str], body: dict[str, Any], field: str
) -> None:
    r = await client.post("/visits", json=body, headers=staff)
    assert failed_fields(problem(r, 422)) == {("body", field)}


async def test_a_participants_age_group_is_computed_not_given(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    pid = await _register(client, staff)
    r = await client.post(
        "/visits",
        json={"participant_id": pid, "purpose": "other", "age_group": "55_plus"},
        headers=staff,
    )
    assert failed_fields(problem(r, 422)) == {("body", "age_group")}


async def test_anyone_submits_an_idea_and_staff_plan_it(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    token: Callable[..., str],
    kafka_bootstrap: str,
) -> None:
    pid = await _register(client, staff)
    own = auth(token("participant", subject=pid))
    r = await client.post("/ideas", json={"text": "Ruokakurssi", "language": "fi"}, headers=own)
    assert r.status_code == 201, r.text
    idea = r.json()
    assert idea["from_participant"] is True
    hidden = await client.post(
        "/ideas",
        json={"text": "Bike repair evening", "language": "en", "anonymous": True},
        headers=own,
    )
    assert hidden.json()["from_participant"] is False
    by_mentor = await client.post(
        "/ideas", json={"text": "CV clinic"}, headers=auth(token("mentor"))
    )
    assert by_mentor.status_code == 201, by_mentor.text

    (event,) = await _events(kafka_bootstrap, idea["id"], 1)
    assert event["type"] == "idea.submitted.v1"
    assert event["data"]["author_participant_id"] == pid
    (anonymous,) = await _events(kafka_bootstrap, hidden.json()["id"], 1)
    assert (
        "author_participant_id" not in anonymous["data"]
        or anonymous["data"]["author_participant_id"] is None
    )

    r = await client.put(f"/ideas/{idea['id']}/status", json={"status": "planned"}, headers=staff)
    assert r.json()["status"] == "planned"
    problem(
        await client.put(f"/ideas/{idea['id']}/status", json={"status": "done"}, headers=staff), 422
    )
    problem(
        await client.put(f"/ideas/{idea['id']}/status", json={"status": "planned"}, headers=own),
        403,
    )
    problem(await client.post("/ideas", json={"text": ""}, headers=own), 422)
    planned = await client.get("/ideas?status=planned", headers=staff)
    assert idea["id"] in [i["id"] for i in planned.json()["items"]]


async def test_anyone_without_a_token_sends_an_idea_anonymously(
    client: httpx.AsyncClient, staff: dict[str, str], kafka_bootstrap: str
) -> None:
    """The portal's public wish form: no token, no personal data, always anonymous."""
    r = await client.post("/ideas/public", json={"text": "Lautapeli-ilta", "language": "fi"})
    assert r.status_code == 201, r.text
    idea = r.json()
    assert idea["from_participant"] is False
    (event,) = await _events(kafka_bootstrap, idea["id"], 1)
    assert event["type"] == "idea.submitted.v1"
    assert event["data"].get("author_participant_id") is None
    listed = (await client.get("/ideas", headers=staff)).json()["items"]
    assert idea["id"] in [i["id"] for i in listed]
    # Nothing but the text and its language: no way to name an author or anything else.
    for body in (
        {"text": "x"},
        {"text": "Ok idea", "anonymous": False},
        {"text": "Ok idea", "email": "someone@example.fi"},
        {"text": "Ok idea", "language": "de"},
    ):
        assert (await client.post("/ideas/public", json=body)).status_code == 422, body


async def test_public_ideas_are_rate_limited_per_client(
    service_settings: Callable[..., Any],
) -> None:
    settings = await service_settings(Settings, public_ideas_per_hour=3)
    async with running_app(bootstrap(settings)) as limited:
        for n in range(3):
            r = await limited.post("/ideas/public", json={"text": f"Idea number {n}"})
            assert r.status_code == 201, r.text
        r = await limited.post("/ideas/public", json={"text": "One too many"})
        problem(r, 429)
        assert 1 <= int(r.headers["retry-after"]) <= 3600


# The service path from other services' events


async def test_matchings_events_land_on_the_timeline_once(
    client: httpx.AsyncClient, staff: dict[str, str], kafka_bootstrap: str
) -> None:
    pid = await _register(client, staff)
    proposal = uuid.uuid4()
    data = MatchProposed(
        proposal_id=proposal,
        participant_id=uuid.UUID(pid),
        kind="opening",
        opening_id=uuid.uuid4(),
        partner_id=uuid.uuid4(),
        notify_kind="partner",
        notify_id=uuid.uuid4(),
        title="Varastotyöntekijä",
        explanation=Explanation(score=0.8),
        proposed_by="engine",
        expires_at=datetime.now(UTC) + timedelta(days=7),
    )
    event = new_event(data, service="matching", subject=str(proposal))
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        for _ in range(2):  # a redelivery adds nothing
            await producer.send_and_wait(
                topics.MATCHING, event.to_json(), key=str(proposal).encode()
            )
    finally:
        await producer.stop()

    async def on_timeline() -> Any:
        r = await client.get(f"/participants/{pid}/timeline", headers=staff)
        found = [e for e in r.json()["items"] if e["source"] == "matching"]
        return found or None

    (entry,) = await wait_for(on_timeline, timeout=60)
    assert entry["kind"] == "match.proposed"
    assert entry["detail"]["proposal_id"] == str(proposal)
    assert entry["detail"]["title"] == "Varastotyöntekijä"


async def _publish(kafka_bootstrap: str, topic: str, events: list[tuple[Any, str]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        for data, subject in events:
            event = new_event(data, service=topic.split(".")[1], subject=subject)
            await producer.send_and_wait(topic, event.to_json(), key=subject.encode())
    finally:
        await producer.stop()


async def test_attendance_messages_and_realised_ideas_land_on_the_path(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    token: Callable[..., str],
    kafka_bootstrap: str,
) -> None:
    pid = await _register(client, staff)
    own = auth(token("participant", subject=pid))
    idea = (await client.post("/ideas", json={"text": "Kielikahvila"}, headers=own)).json()
    starts = datetime.now(UTC) - timedelta(days=1)
    occurrence = OccurrenceInfo(
        occurrence_id=uuid.uuid4(),
        series_id=uuid.uuid4(),
        category="language_cafe",
        title=Texts(fi="Kielikahvila", en="Language café"),
        location=Texts(fi="Salon pääkirjasto"),
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        local_start="2026-01-01T16:00",
        local_end="2026-01-01T18:00",
    )
    participant = uuid.UUID(pid)
    await _publish(
        kafka_bootstrap,
        topics.EVENTS,
        [
            (
                RegistrationConfirmed(
                    registration_id=uuid.uuid4(), occurrence=occurrence, participant_id=participant
                ),
                str(occurrence.occurrence_id),
            ),
            (
                AttendanceRecorded(
                    attendance_id=uuid.uuid4(),
                    occurrence=occurrence,
                    participant_id=participant,
                    status="attended",
                    recorded_at=datetime.now(UTC),
                ),
                str(occurrence.occurrence_id),
            ),
            (
                IdeaRealised(
                    series_id=occurrence.series_id,
                    idea_ids=[uuid.UUID(idea["id"])],
                    author_participant_ids=[participant],
                    title=Texts(fi="Kielikahvila"),
                    category="language_cafe",
                ),
                str(occurrence.series_id),
            ),
        ],
    )
    message = uuid.uuid4()
    await _publish(
        kafka_bootstrap,
        topics.NOTIFICATIONS,
        [
            (
                NotificationSent(
                    message_id=message,
                    event_id=uuid.uuid4(),
                    recipient_id=participant,
                    channel="email",
                    template="reminder",
                    category="events",
                    attempts=1,
                    sent_at=datetime.now(UTC),
                ),
                str(message),
            ),
            (  # to someone who is not a participant: on nobody's path
                NotificationSent(
                    message_id=uuid.uuid4(),
                    event_id=uuid.uuid4(),
                    recipient_id=uuid.uuid4(),
                    channel="email",
                    template="proposal",
                    category="matching",
                    attempts=1,
                    sent_at=datetime.now(UTC),
                ),
                str(message),
            ),
        ],
    )

    reminder = {"channel": "email", "template": "reminder", "category": "events"}

    async def on_path() -> Any:
        r = await client.get(f"/participants/{pid}/timeline", headers=own)
        items = [e for e in r.json()["items"] if e["source"] != "participants"]
        kinds = {e["kind"]: e for e in items}
        # A notifications service running elsewhere on the shared broker may have sent this
        # participant a welcome of its own: the reminder is one of the messages on the path.
        messages = [e["detail"] for e in items if e["kind"] == "message.sent"]
        wanted = {"activity.registered", "activity.attended", "idea.realised"}
        return kinds if wanted <= set(kinds) and reminder in messages else None

    # A new consumer group reads the shared topics from their start: on a machine with a long
    # history, and a loaded one, that takes a while.
    kinds = await wait_for(on_path, timeout=120)
    assert kinds["activity.attended"]["detail"]["title"] == "Kielikahvila"
    ideas = (await client.get("/ideas?status=realised", headers=staff)).json()["items"]
    assert idea["id"] in [i["id"] for i in ideas]
