"""The programme across services: a participant's idea travels from participants to events,
staff turn it into a series, the participant registers, and the public programme shows it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from icalendar import Calendar
from voimala_contracts import topics
from voimala_kit.testing import read_topic, wait_for

from ..conftest import Platform

pytestmark = pytest.mark.e2e


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_an_idea_becomes_a_series_that_people_register_for(
    platform: Platform, token: Callable[..., str], kafka_bootstrap: str
) -> None:
    events = platform["events"].url
    participants = platform["participants"].url
    staff = _auth(token("coordinator"))
    author = str(uuid.uuid4())
    tag = uuid.uuid4().hex[:6]
    async with httpx.AsyncClient(timeout=15) as client:
        r = await client.post(
            f"{participants}/ideas",
            json={"text": f"Pyöränkorjauspaja {tag}", "language": "fi"},
            headers=_auth(token("participant", subject=author)),
        )
        assert r.status_code == 201, r.text

        async def listed() -> list[dict[str, Any]]:
            r = await client.get(f"{events}/ideas", headers=staff)
            return [i for i in r.json()["items"] if tag in i["theme"]]

        (idea,) = await wait_for(listed, timeout=30)
        assert idea["asked"] == 1

        today = datetime.now(ZoneInfo("Europe/Helsinki")).date()
        r = await client.post(
            f"{events}/series",
            json={
                "category": "workshop",
                "title": {"fi": f"Pyöräpaja {tag}", "en": f"Bike workshop {tag}"},
                "rrule": "FREQ=DAILY;COUNT=2",
                "first_date": (today + timedelta(days=1)).isoformat(),
                "start_time": "17:00",
                "end_time": "19:00",
                "capacity": 1,
                "skip_holidays": False,
            },
            headers=staff,
        )
        assert r.status_code == 201, r.text
        series = r.json()
        r = await client.post(
            f"{events}/series/{series['id']}/ideas",
            json={"idea_ids": idea["idea_ids"]},
            headers=staff,
        )
        assert r.status_code == 200, r.text

        occ = (await client.get(f"{events}/series/{series['id']}/occurrences")).json()["items"][0]
        me = _auth(token("participant", subject=author))
        r = await client.post(
            f"{events}/occurrences/{occ['occurrence_id']}/registrations", json={}, headers=me
        )
        assert r.json()["status"] == "confirmed"
        r = await client.post(
            f"{events}/occurrences/{occ['occurrence_id']}/registrations",
            json={"guest": {"name": "Pekka", "email": f"pekka.{tag}@example.fi"}},
        )
        assert r.json()["status"] == "waitlisted"

        month = occ["date"][:7]
        doc = (await client.get(f"{events}/programme/{month}")).json()
        mine = [o for o in doc["occurrences"] if o["series_id"] == series["id"]]
        assert mine[0]["seats_left"] == 0
        assert mine[0]["local_start"] == "17:00"
        html = (await client.get(f"{events}/programme/{month}?format=html&lang=en")).text
        assert f"Bike workshop {tag}" in html
        assert "pekka" not in html.lower()
        feed = Calendar.from_ical((await client.get(f"{events}/programme.ics")).content)
        uids = {str(e["UID"]) for e in feed.walk("VEVENT")}
        assert f"{occ['occurrence_id']}@voimala.salo.fi" in uids

    async def realised() -> list[dict[str, Any]]:
        records = await read_topic(kafka_bootstrap, topics.EVENTS, timeout=5)
        found = [json.loads(r.value) for r in records if r.key == series["id"].encode()]
        return [e for e in found if e["type"] == "idea.realised.v1"]

    (event,) = await wait_for(realised, timeout=30)
    assert event["data"]["author_participant_ids"] == [author]
    assert date.fromisoformat(
        event["data"]["next_occurrence"]["local_start"][:10]
    ) == date.fromisoformat(occ["date"])
