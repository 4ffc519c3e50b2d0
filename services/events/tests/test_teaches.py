"""Issue 14: a series says what it teaches; the API keeps it, a change replaces it, and
`series.scheduled.v1` publishes it with the series' next occurrences (matching's next steps)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
from voimala_contracts import topics
from voimala_contracts.scheduling import SeriesScheduled
from voimala_kit.testing import read_topic, wait_for
from voimala_scheduling.bootstrap import build_deps
from voimala_scheduling.handlers.series import extend_horizon
from voimala_scheduling.settings import Settings

from .conftest import CLOCK, a_series, new_series


async def _scheduled(
    kafka: str,
    series_id: str,
    n: int,
    until: Callable[[dict[str, Any]], bool] = lambda _: True,
) -> list[dict[str, Any]]:
    """The series' announcements once there are at least n and the last one is `until`'s.

    The service's own scheduler may announce a teaching series again at any moment (the
    daily horizon job runs on start), so a test waits for the announcement it caused by what
    it says, not by how many came before."""

    async def probe() -> list[dict[str, Any]]:
        records = await read_topic(kafka, topics.EVENTS, timeout=120)
        found = [json.loads(r.value) for r in records if r.key == series_id.encode()]
        mine = [e["data"] for e in found if e["type"] == "series.scheduled.v1"]
        return mine if len(mine) >= n and until(mine[-1]) else []

    found: list[dict[str, Any]] = await wait_for(probe, timeout=30)
    return found


async def test_a_series_publishes_what_it_teaches_and_when(
    client: httpx.AsyncClient, staff: dict[str, str], kafka_bootstrap: str
) -> None:
    series = await new_series(
        client, staff, category="language_cafe", teaches=["finnish", " spoken  Finnish ", "finnish"]
    )
    assert series["teaches"] == ["finnish", "spoken Finnish"]
    got = (await client.get(f"/series/{series['id']}")).json()
    assert got["teaches"] == ["finnish", "spoken Finnish"]
    items = (await client.get(f"/series/{series['id']}/occurrences")).json()["items"]

    event = (await _scheduled(kafka_bootstrap, series["id"], 1))[0]
    parsed = SeriesScheduled.model_validate(event)
    assert parsed.teaches == ["finnish", "spoken Finnish"]
    assert 0 < len(parsed.upcoming) <= 12
    assert str(parsed.upcoming[0].occurrence_id) == items[0]["occurrence_id"]
    assert all(str(o.series_id) == series["id"] for o in parsed.upcoming)

    r = await client.patch(
        f"/series/{series['id']}",
        json={"from_date": items[0]["date"], "teaches": ["job interview"]},
        headers=staff,
    )
    assert r.status_code == 200, r.text
    assert r.json()["teaches"] == ["job interview"]
    events = await _scheduled(
        kafka_bootstrap, series["id"], 2, until=lambda e: e["teaches"] == ["job interview"]
    )
    assert [e["teaches"] for e in events[:1]] == [["finnish", "spoken Finnish"]]


async def test_an_old_series_event_without_teaches_still_parses() -> None:
    old = {
        "series_id": "8c0f6a52-7c8e-4a3e-9b43-0d3f5b0f8a11",
        "category": "workshop",
        "title": {"fi": "Paja"},
        "location": {"fi": "Kahvila"},
        "audience": "everyone",
        "rrule": "FREQ=WEEKLY;BYDAY=TU",
        "first_date": "2027-03-02",
        "local_start_time": "10:00",
        "local_end_time": "12:00",
        "occurrences": 3,
    }
    parsed = SeriesScheduled.model_validate(old)
    assert parsed.teaches == []
    assert parsed.upcoming == []


async def test_teaches_is_bounded(client: httpx.AsyncClient, staff: dict[str, str]) -> None:
    r = await client.post("/series", json=a_series(teaches=["x" * 101]), headers=staff)
    assert r.status_code == 422
    r = await client.post(
        "/series", json=a_series(teaches=[str(i) for i in range(31)]), headers=staff
    )
    assert r.status_code == 422


async def test_the_daily_job_announces_a_teaching_series_again(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    kafka_bootstrap: str,
    db: asyncpg.Connection,
    settings: Settings,
) -> None:
    teaching = await new_series(client, staff, teaches=["cv writing"])
    silent = await new_series(client, staff)
    await _scheduled(kafka_bootstrap, teaching["id"], 1)
    await extend_horizon(build_deps(settings, CLOCK), db)
    again = await _scheduled(kafka_bootstrap, teaching["id"], 2)
    assert again[-1]["teaches"] == ["cv writing"]
    assert again[-1]["upcoming"]
    (only,) = await _scheduled(kafka_bootstrap, silent["id"], 1)
    assert only["teaches"] == []


async def test_a_cancelled_or_moved_occurrence_announces_a_teaching_series_again(
    client: httpx.AsyncClient, staff: dict[str, str], kafka_bootstrap: str
) -> None:
    teaching = await new_series(client, staff, teaches=["finnish"])
    items = (await client.get(f"/series/{teaching['id']}/occurrences")).json()["items"]
    first = items[0]["occurrence_id"]
    r = await client.post(f"/occurrences/{first}/cancel", json={}, headers=staff)
    assert r.status_code == 200, r.text
    events = await _scheduled(
        kafka_bootstrap,
        teaching["id"],
        2,
        until=lambda e: first not in [o["occurrence_id"] for o in e["upcoming"]],
    )
    assert first in [o["occurrence_id"] for o in events[0]["upcoming"]]
    ids = [o["occurrence_id"] for o in events[-1]["upcoming"]]
    assert ids[0] == items[1]["occurrence_id"]
