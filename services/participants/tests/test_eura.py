"""EURA 2021 reconciliation on real PostgreSQL (and Kafka for the outbox): staff mark the start
and exit forms done per episode, audited; the coordinator's list names exactly who started or
left in the period, with their forms and what is missing; its CSV opens in Finnish Excel.

This module has a database of its own (module-scoped fixtures), so the list is exact.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from voimala_kit.testing import auth

from .conftest import person, problem

TODAY = datetime.now(UTC).date()
# A whole month well in the past, whatever day the suite runs.
MONTH_START = (TODAY.replace(day=1) - timedelta(days=70)).replace(day=1)
MONTH_END = (MONTH_START + timedelta(days=32)).replace(day=1) - timedelta(days=1)
PERIOD = {"from": MONTH_START.isoformat(), "to": MONTH_END.isoformat()}


def day(n: int) -> str:
    return (MONTH_START + timedelta(days=n - 1)).isoformat()


@pytest.fixture(scope="module")
def coordinator(token: Callable[..., str]) -> dict[str, str]:
    return auth(token("coordinator", subject="coordinator-eura"))


@pytest.fixture(scope="module")
def counsellor(token: Callable[..., str]) -> dict[str, str]:
    return auth(token("counsellor", subject="counsellor-eura"))


async def _register(client: httpx.AsyncClient, headers: dict[str, str], **over: Any) -> str:
    r = await client.post("/participants", json=person(**over), headers=headers)
    assert r.status_code == 201, r.text
    pid: str = r.json()["id"]
    return pid


async def _exit(client: httpx.AsyncClient, headers: dict[str, str], pid: str, on: str) -> None:
    body = {"exit_date": on, "outcome": "employed"}
    r = await client.post(f"/participants/{pid}/exit", json=body, headers=headers)
    assert r.status_code == 200, r.text


def _form(pid: str, episode: int, form: str) -> str:
    return f"/participants/{pid}/episodes/{episode}/eura/{form}"


@pytest.fixture(scope="module")
async def people(client: httpx.AsyncClient, coordinator: dict[str, str]) -> dict[str, str]:
    """Who is in the period and who is not; some forms done by a counsellor."""
    earlier = (MONTH_START - timedelta(days=40)).isoformat()
    later = (MONTH_END + timedelta(days=3)).isoformat()
    found = {
        # Started in the month; everything known.
        "complete": await _register(
            client,
            coordinator,
            family_name="Aaltonen",
            entered_on=day(3),
            birth_date=f"{MONTH_START.year - 17}-01-01",
            birth_year=None,
            gender="female",
            education_level=2,
        ),
        # Started before the month, left in it: the exit is what brings them in.
        "leaver": await _register(
            client,
            coordinator,
            family_name="Bergström",
            entered_on=earlier,
            birth_year=1970,
            gender="male",
            education_level=4,
        ),
        # Started in the month; little known (a birth year only, no gender, no municipality).
        "sparse": await _register(
            client, coordinator, family_name="Citron", entered_on=day(12), municipality=None
        ),
        # Not in the period: started before it and still in the programme; started after it.
        "before": await _register(client, coordinator, family_name="Dahl", entered_on=earlier),
        "after": await _register(client, coordinator, family_name="Eklund", entered_on=later),
        # A name a spreadsheet would run as a formula.
        "formula": await _register(
            client, coordinator, family_name="=HYPERLINK(1)", entered_on=day(20)
        ),
    }
    await _exit(client, coordinator, found["leaver"], day(15))
    # The ESF+ facts (another part of the service): a status at entry, results upon leaving.
    entry = {"labour_market_status": "inactive_in_education", "municipality_code": "734"}
    r = await client.put(
        f"/participants/{found['complete']}/episodes/1/esf-entry", json=entry, headers=coordinator
    )
    assert r.status_code == 200, r.text
    return found


async def test_staff_mark_forms_done_per_episode_audited(
    client: httpx.AsyncClient,
    people: dict[str, str],
    counsellor: dict[str, str],
    coordinator: dict[str, str],
    token: Callable[..., str],
    db: asyncpg.Connection,
) -> None:
    pid = people["leaver"]
    r = await client.put(_form(pid, 1, "start"), json={"done_on": day(16)}, headers=counsellor)
    assert r.status_code == 200, r.text
    assert r.json()["start_form"] == {
        "done": True,
        "done_on": day(16),
        "recorded_by": "counsellor-eura",
    }
    assert r.json()["exit_form"] == {"done": False, "done_on": None, "recorded_by": None}
    got = (await client.get(f"/participants/{pid}/episodes/1/eura", headers=coordinator)).json()
    assert got["start_form"]["done"] is True
    assert got["exit_date"] == day(15)
    actions = await db.fetch(
        "SELECT actor, action FROM audit_log WHERE participant_id = $1 AND action LIKE 'eura%'",
        uuid.UUID(pid),
    )
    assert [(a["actor"], a["action"]) for a in actions] == [
        ("counsellor-eura", "eura_start_form.done")
    ]

    # Marked by mistake: unmarked (audited), and a second unmark finds nothing.
    other = people["sparse"]
    assert (await client.put(_form(other, 1, "start"), json={}, headers=counsellor)).is_success
    assert (await client.delete(_form(other, 1, "start"), headers=counsellor)).status_code == 204
    problem(await client.delete(_form(other, 1, "start"), headers=counsellor), 404)

    # Refusals: no exit form before an exit, no day in the future or before the entry, no
    # such episode, no participant's or ops' hands.
    problem(await client.put(_form(other, 1, "exit"), json={}, headers=counsellor), 409)
    future = (TODAY + timedelta(days=2)).isoformat()
    problem(
        await client.put(_form(pid, 1, "exit"), json={"done_on": future}, headers=counsellor), 422
    )
    too_early = (MONTH_START - timedelta(days=60)).isoformat()
    problem(
        await client.put(_form(pid, 1, "exit"), json={"done_on": too_early}, headers=counsellor),
        422,
    )
    problem(await client.put(_form(pid, 2, "start"), json={}, headers=counsellor), 404)
    problem(await client.put(_form(pid, 1, "middle"), json={}, headers=counsellor), 422)
    own = auth(token("participant", subject=pid))
    problem(await client.put(_form(pid, 1, "start"), json={}, headers=own), 403)
    problem(await client.put(_form(pid, 1, "start"), json={}, headers=auth(token("ops"))), 403)


async def test_the_list_names_exactly_who_started_or_left_in_the_period(
    client: httpx.AsyncClient,
    people: dict[str, str],
    coordinator: dict[str, str],
    counsellor: dict[str, str],
    db: asyncpg.Connection,
) -> None:
    await client.put(_form(people["complete"], 1, "start"), json={}, headers=counsellor)
    r = await client.get("/reports/eura", params=PERIOD, headers=coordinator)
    assert r.status_code == 200, r.text
    report = r.json()
    items = {i["participant_id"]: i for i in report["items"]}
    named = {people[k] for k in ("complete", "leaver", "sparse", "formula")}
    assert set(items) == named
    assert report["counts"] == {
        "episodes": 4,
        "started": 3,
        "left": 1,
        "start_forms_not_done": 2,
        "exit_forms_not_done": 1,
        "with_something_missing": 3,
    }
    # By family name (a sign sorts first): the coordinator works down the list.
    assert [i["family_name"] for i in report["items"]][1:] == ["Aaltonen", "Bergström", "Citron"]

    complete = items[people["complete"]]
    assert complete["started_in_period"]
    assert not complete["left_in_period"]
    assert complete["age_band"] == "below_18"
    assert complete["gender"] == "women"
    assert complete["start_form"]["done"] is True
    assert complete["exit_form"] is None
    assert complete["missing"] == []

    leaver = items[people["leaver"]]
    assert leaver["left_in_period"]
    assert not leaver["started_in_period"]
    assert leaver["exit_outcome"] == "employed"
    assert leaver["start_form"]["done_on"] == day(16)
    assert leaver["exit_form"] == {"done": False, "done_on": None, "recorded_by": None}
    assert leaver["exit_results"] is None
    assert leaver["missing"] == ["birth_date", "labour_market_status", "exit_results", "exit_form"]

    sparse = items[people["sparse"]]
    assert sparse["gender"] == "unknown"
    assert sparse["missing"] == [
        "birth_date",
        "gender",
        "education_level",
        "municipality",
        "labour_market_status",
        "start_form",
    ]
    assert complete["labour_market_status"] == "inactive_in_education"
    assert complete["municipality_code"] == "734"
    assert report["not_in_this_list"][0] == "disability"

    # Reading the list is audited for everyone it names, and only for them.
    audited = await db.fetch("SELECT participant_id FROM audit_log WHERE action = 'eura_list'")
    assert {str(a["participant_id"]) for a in audited} == named

    # Once the exit form and the results upon leaving are done, the leaver lacks only their
    # birth date and entry status.
    await client.put(_form(people["leaver"], 1, "exit"), json={}, headers=counsellor)
    results = {"results": [{"result": "employed", "observed_on": day(16)}]}
    r = await client.put(
        f"/participants/{people['leaver']}/episodes/1/esf-results/leaving",
        json=results,
        headers=counsellor,
    )
    assert r.status_code == 200, r.text
    again = (await client.get("/reports/eura", params=PERIOD, headers=coordinator)).json()
    leaver = next(i for i in again["items"] if i["participant_id"] == people["leaver"])
    assert leaver["missing"] == ["birth_date", "labour_market_status"]
    assert leaver["exit_results"] == ["employed"]
    assert again["counts"]["exit_forms_not_done"] == 0


async def test_the_list_is_for_coordinators_over_a_sane_period(
    client: httpx.AsyncClient,
    people: dict[str, str],
    counsellor: dict[str, str],
    coordinator: dict[str, str],
) -> None:
    problem(await client.get("/reports/eura", params=PERIOD, headers=counsellor), 403)
    backwards = {"from": PERIOD["to"], "to": PERIOD["from"]}
    problem(await client.get("/reports/eura", params=backwards, headers=coordinator), 422)
    problem(
        await client.get("/reports/eura", params={"from": "2026-01-01"}, headers=coordinator), 422
    )
    nobody = {"from": "2001-01-01", "to": "2001-12-31"}
    empty = (await client.get("/reports/eura", params=nobody, headers=coordinator)).json()
    assert empty["items"] == []
    assert empty["counts"]["episodes"] == 0


async def test_the_csv_opens_in_finnish_excel(
    client: httpx.AsyncClient, people: dict[str, str], coordinator: dict[str, str]
) -> None:
    r = await client.get("/reports/eura", params={**PERIOD, "format": "csv"}, headers=coordinator)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    raw = r.content
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    text = raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:4] == ["Sukunimi", "Etunimi", "Osallistujan tunniste", "Jakso"]
    assert len(rows) == 1 + 4
    assert all(len(row) == len(rows[0]) for row in rows)
    by_id = {row[2]: row for row in rows[1:]}
    assert set(by_id) == {people[k] for k in ("complete", "leaver", "sparse", "formula")}
    leaver = by_id[people["leaver"]]
    assert leaver[0] == "Bergström"
    start = date.fromisoformat(day(16))
    assert leaver[17] == f"{start.day}.{start.month}.{start.year}"
    sparse = by_id[people["sparse"]]
    assert sparse[17] == "ei"
    assert sparse[18] == ""  # no exit yet: no exit form due
    assert "sukupuoli" in sparse[19]
    assert "aloituslomake" in sparse[19]
    assert by_id[people["formula"]][0] == "'=HYPERLINK(1)"


async def test_access_export_and_erasure_cover_the_forms(
    client: httpx.AsyncClient,
    people: dict[str, str],
    coordinator: dict[str, str],
    counsellor: dict[str, str],
    db: asyncpg.Connection,
) -> None:
    pid = people["complete"]
    await client.put(_form(pid, 1, "start"), json={"done_on": day(5)}, headers=counsellor)
    r = await client.post(f"/participants/{pid}/access-requests", headers=coordinator)
    assert r.status_code == 202, r.text
    own = await db.fetchval(
        "SELECT export::text FROM access_request WHERE id = $1",
        uuid.UUID(r.json()["request_id"]),
    )
    assert '"eura_forms"' in own
    assert day(5) in own

    erased = await client.post(
        f"/participants/{pid}/erasure", json={"reason": "request"}, headers=coordinator
    )
    assert erased.status_code == 202, erased.text
    assert erased.json()["services"][0]["counts"]["eura_forms"] == 1
    left = await db.fetchval(
        "SELECT count(*) FROM eura_form WHERE participant_id = $1", uuid.UUID(pid)
    )
    assert left == 0
    report = (await client.get("/reports/eura", params=PERIOD, headers=coordinator)).json()
    assert pid not in {i["participant_id"] for i in report["items"]}
