"""Issue 14 on real Kafka and PostgreSQL: skills match across languages through the vocabulary,
and a missing skill that an upcoming series teaches is named with that occurrence in the
participant's and staff's explanations; the employer's view of the same ranking has none."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from voimala_contracts import STRUCTURED, new_event, topics
from voimala_contracts.scheduling import OccurrenceInfo, SeriesScheduled, Texts
from voimala_kit.testing import auth, wait_for

from .conftest import employer, opening, participant, partner


async def _publish(producer: AIOKafkaProducer, data: Any, subject: uuid.UUID) -> None:
    event = new_event(data, service="events", subject=str(subject))
    await producer.send_and_wait(
        topics.EVENTS, value=event.to_json(), key=str(subject).encode(), headers=list(STRUCTURED)
    )


def _occurrence(series_id: uuid.UUID, starts_at: datetime) -> OccurrenceInfo:
    return OccurrenceInfo(
        occurrence_id=uuid.uuid4(),
        series_id=series_id,
        category="language_cafe",
        title=Texts(fi="Kielikahvila", sv="Språkcafé", en="Language café"),
        location=Texts(fi="Voimala"),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=90),
        local_start=starts_at.strftime("%Y-%m-%dT%H:%M"),
        local_end=(starts_at + timedelta(minutes=90)).strftime("%Y-%m-%dT%H:%M"),
    )


def _series(series_id: uuid.UUID, teaches: list[str], upcoming: list[OccurrenceInfo]) -> Any:
    return SeriesScheduled(
        series_id=series_id,
        category="language_cafe",
        title=Texts(fi="Kielikahvila", sv="Språkcafé", en="Language café"),
        location=Texts(fi="Voimala"),
        audience="everyone",
        rrule="FREQ=WEEKLY;BYDAY=WE",
        first_date=upcoming[0].starts_at.date(),
        local_start_time="14:00",
        local_end_time="15:30",
        occurrences=len(upcoming),
        teaches=teaches,
        upcoming=upcoming,
    )


async def test_siivous_is_a_candidate_for_cleaning(
    client: httpx.AsyncClient, producer: AIOKafkaProducer, token: Callable[..., str]
) -> None:
    fi = await participant(client, producer, token, skills=["Siivous"])
    sv = await participant(client, producer, token, skills=["städning"])
    narrower = await participant(client, producer, token, skills=["ikkunanpesu"])
    other = await participant(client, producer, token, skills=["hitsaus"])
    p = await partner(client, token)
    o = await opening(client, token, p["id"], required_skills=["cleaning"], nice_skills=[])
    assert o["required_skills"] == ["cleaning"]
    r = await client.get(
        f"/openings/{o['id']}/candidates?k=200", headers=auth(token("coordinator"))
    )
    assert r.status_code == 200, r.text
    found = {x["participant_id"]: x["explanation"] for x in r.json()}
    for pid in (fi, sv, narrower):  # window cleaning is cleaning too (its broader skill)
        assert found[str(pid)]["matched_skills"] == ["cleaning"]
        assert found[str(pid)]["missing_skills"] == []
    assert str(other) not in found
    # and the engine's own proposals (over the database rows) find them the same way
    r = await client.post(f"/openings/{o['id']}/proposals", headers=employer(token, p["id"]))
    assert r.status_code in (200, 201), r.text


async def test_a_missing_skill_names_the_next_occurrence_that_teaches_it(
    client: httpx.AsyncClient, producer: AIOKafkaProducer, token: Callable[..., str]
) -> None:
    tag = uuid.uuid4().hex[:6]
    held, taught = f"pallet wrapping {tag}", f"tail lift {tag}"
    pid = await participant(client, producer, token, skills=[held])
    p = await partner(client, token)
    o = await opening(client, token, p["id"], required_skills=[held, taught], nice_skills=[])

    series_id = uuid.uuid4()
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    past, soon, later = (_occurrence(series_id, now + timedelta(days=d)) for d in (-1, 2, 9))
    await _publish(producer, _series(series_id, [taught.upper()], [past, soon, later]), series_id)

    own = auth(token("participant", subject=str(pid)))

    async def steps_seen() -> list[dict[str, Any]]:
        r = await client.get(f"/participants/{pid}/openings?k=200", headers=own)
        assert r.status_code == 200, r.text
        (mine,) = [x for x in r.json() if x["opening"]["id"] == o["id"]]
        steps: list[dict[str, Any]] = mine["explanation"]["next_steps"]
        return steps

    steps = await wait_for(steps_seen, timeout=60)
    assert [s["occurrence_id"] for s in steps] == [
        str(soon.occurrence_id),
        str(later.occurrence_id),
    ]
    assert {s["skill"] for s in steps} == {taught}
    assert steps[0]["title"]["en"] == "Language café"
    assert steps[0]["local_start"] == soon.local_start

    # Staff see the same next steps in the candidate ranking; the employer sees none.
    url = f"/openings/{o['id']}/candidates?k=200"
    r = await client.get(url, headers=auth(token("coordinator")))
    (staff_view,) = [x for x in r.json() if x["participant_id"] == str(pid)]
    assert staff_view["explanation"]["missing_skills"] == [taught]
    assert [s["occurrence_id"] for s in staff_view["explanation"]["next_steps"]] == [
        str(soon.occurrence_id),
        str(later.occurrence_id),
    ]
    r = await client.get(url, headers=employer(token, p["id"]))
    assert r.status_code == 200, r.text
    (employer_view,) = [x for x in r.json() if x["participant_id"] == str(pid)]
    assert employer_view["explanation"]["next_steps"] == []
    assert employer_view["explanation"]["missing_skills"] == []  # nothing of what they lack
    assert all(x["explanation"]["next_steps"] == [] for x in r.json())
    assert all(x["explanation"]["missing_skills"] == [] for x in r.json())
    assert str(soon.occurrence_id) not in r.text
    assert taught not in r.text
    # nor in a proposal of them: the employer's view has neither, staff's has both
    r = await client.post(f"/openings/{o['id']}/proposals", headers=employer(token, p["id"]))
    assert r.status_code in (200, 201), r.text
    (proposed,) = [x for x in r.json() if x["participant_id"] == str(pid)]
    assert proposed["explanation"]["missing_skills"] == []
    assert taught not in r.text
    r = await client.get(f"/proposals/{proposed['id']}", headers=auth(token("coordinator")))
    assert r.json()["explanation"]["missing_skills"] == [taught]

    # The events service announces the series again when one of its occurrences is
    # cancelled: the cancelled one is no next step any more.
    await _publish(producer, _series(series_id, [taught], [later]), series_id)

    async def only_later() -> bool:
        steps = await steps_seen()
        return [s["occurrence_id"] for s in steps] == [str(later.occurrence_id)]

    assert await wait_for(only_later, timeout=60)
