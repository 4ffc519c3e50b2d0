"""EECR06, participants with an improved labour-market situation six months after leaving, on a
database of this module's own. Everyone entered 400 days ago and left 300 days ago (their six
months have passed), results upon leaving recorded:

E1 woman       employed on entry; at six months employed, improvements not asked at first
               (not known, and on the data-quality list), then `[]` (no), then a promotion
E2 man         self-employed on entry; self-employed at six months, two improvements
E3 man         employed on entry; job searching at six months (not in work: no)
U1 non-binary  unemployed on entry; employed at six months (not employed on entry: no)
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from voimala_kit.testing import auth
from voimala_participants.domain.esf import add_months
from voimala_participants.settings import Settings

from .conftest import person

TODAY = datetime.now(UTC).date()
ENTERED = TODAY - timedelta(days=400)
LEFT = TODAY - timedelta(days=300)
SIX = add_months(LEFT, 6) + timedelta(days=5)


@pytest.fixture(scope="module")
async def settings(service_settings: Callable[..., Awaitable[Settings]]) -> Settings:
    return await service_settings(
        Settings,
        esf_project_start=TODAY - timedelta(days=800),
        esf_rural_municipalities=frozenset({"734"}),
    )


@pytest.fixture(scope="module")
def staff(token: Callable[..., str]) -> dict[str, str]:
    return auth(token("coordinator", subject="coordinator-improved"))


class Staff:
    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers

    async def person(self, gender: str, status: str, left_as: str) -> str:
        body = person(entered_on=ENTERED.isoformat(), gender=gender, education_level=3)
        r = await self.client.post("/participants", json=body, headers=self.headers)
        assert r.status_code == 201, r.text
        pid: str = r.json()["id"]
        entry = {"labour_market_status": status, "municipality_code": "091"}
        if status == "unemployed":
            entry["unemployed_since"] = (ENTERED - timedelta(days=30)).isoformat()
        r = await self.put(pid, "esf-entry", entry)
        exit_body = {"exit_date": LEFT.isoformat(), "outcome": "other"}
        r = await self.client.post(
            f"/participants/{pid}/exit", json=exit_body, headers=self.headers
        )
        assert r.status_code == 200, r.text
        await self.results(pid, "leaving", {left_as: LEFT})
        return pid

    async def put(self, pid: str, path: str, body: dict[str, Any]) -> httpx.Response:
        url = f"/participants/{pid}/episodes/1/{path}"
        r = await self.client.put(url, json=body, headers=self.headers)
        assert r.status_code == 200, r.text
        return r

    async def results(
        self,
        pid: str,
        stage: str,
        found: dict[str, date],
        improvements: dict[str, date] | None = None,
    ) -> None:
        body: dict[str, Any] = {
            "results": [{"result": k, "observed_on": v.isoformat()} for k, v in found.items()]
        }
        if improvements is not None:
            body["improvements"] = [
                {"improvement": k, "observed_on": v.isoformat()} for k, v in improvements.items()
            ]
        await self.put(pid, f"esf-results/{stage}", body)

    async def eecr06(self, **params: str) -> tuple[int, ...]:
        params = params or {"cumulative": "true"}
        r = await self.client.get("/reports/esf", params=params, headers=self.headers)
        assert r.status_code == 200, r.text
        row = next(x for x in r.json()["indicators"] if x["code"] == "EECR06")
        cols = ("women", "men", "non_binary", "unknown", "total", "population", "not_known")
        return tuple(row[c] for c in cols)

    async def quality(self) -> set[tuple[str, str]]:
        r = await self.client.get("/reports/data-quality", headers=self.headers)
        assert r.status_code == 200, r.text
        return {(i["participant_id"], i["problem"]) for i in r.json()["items"]}


@pytest.fixture(scope="module")
async def people(client: httpx.AsyncClient, staff: dict[str, str]) -> dict[str, str]:
    s = Staff(client, staff)
    e1 = await s.person("female", "employed", "employed")
    await s.results(e1, "six_months", {"employed": SIX})
    e2 = await s.person("male", "self_employed", "self_employed")
    better = {"higher_skilled_job": SIX, "underemployment_to_full_employment": SIX}
    await s.results(e2, "six_months", {"self_employed": SIX}, better)
    e3 = await s.person("male", "employed", "employed")
    await s.results(e3, "six_months", {"job_searching": SIX}, {})
    u1 = await s.person("other", "unemployed", "job_searching")
    await s.results(u1, "six_months", {"employed": SIX})
    return {"e1": e1, "e2": e2, "e3": e3, "u1": u1}


async def test_improvements_count_only_for_those_employed_on_entry_and_in_work(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    people: dict[str, str],
    db: asyncpg.Connection,
) -> None:
    s = Staff(client, staff)
    # E1 not asked: not known, and the coordinator is told to ask.
    assert await s.eecr06() == (0, 1, 0, 0, 1, 4, 1)
    assert await s.quality() == {(people["e1"], "improvements_not_asked")}
    before: datetime = await db.fetchval("SELECT now()")
    await s.results(people["e1"], "six_months", {"employed": SIX}, {})
    assert await s.eecr06() == (0, 1, 0, 0, 1, 4, 0)
    assert await s.quality() == set()
    await s.results(people["e1"], "six_months", {"employed": SIX}, {"promotion": SIX})
    assert await s.eecr06() == (1, 1, 0, 0, 2, 4, 0)
    # The report as it stood keeps its figure; a period the cohort's six months miss is empty.
    assert await s.eecr06(cumulative="true", as_of=before.isoformat()) == (0, 1, 0, 0, 1, 4, 1)
    due = add_months(LEFT, 6)
    earlier = {
        "from": (due - timedelta(days=40)).isoformat(),
        "to": (due - timedelta(days=1)).isoformat(),
    }
    assert await s.eecr06(**earlier) == (0, 0, 0, 0, 0, 0, 0)
    around = {"from": due.isoformat(), "to": due.isoformat()}
    assert await s.eecr06(**around) == (1, 1, 0, 0, 2, 4, 0)


async def test_the_access_export_holds_the_improvements(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    people: dict[str, str],
    db: asyncpg.Connection,
) -> None:
    e2 = people["e2"]
    r = await client.post(f"/participants/{e2}/access-requests", headers=staff)
    assert r.status_code == 202, r.text
    export = await db.fetchval(
        "SELECT export::text FROM access_request WHERE participant_id = $1", uuid.UUID(e2)
    )
    assert f'"higher_skilled_job": "{SIX.isoformat()}"' in export
