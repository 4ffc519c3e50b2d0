"""ESF+ entry and exit facts, the ESF+ indicators report and the data-quality list, from a known
set of fictional participants (a database of this module's own: every count is exact).

Days are relative to the day the suite runs: A is the first of a month about nine months ago;
the month is A's, the year runs from A - 150 days to A + 214 days, the project starts 400 days
before A. The people (gender; age on entry; ISCED; ESF+ status on entry; path):

P1 returner   woman 40, ISCED 4, unemployed 400 days (long-term), rural; enters A+2, leaves A+10
              job searching, returns A+40 (recorded employed then, not rural: the first
              entry counts), leaves A+60 employed (the last exit counts)
P2 youth LTU  man 22, ISCED 2, unemployed 7 months (long-term by the under-25 rule); A+5 to
              A+20 job searching; employed six months later
P3 education  non-binary 17, ISCED 2, inactive in education, rural; A+8 to A+25, in
              education and a qualification gained while taking part (A+22)
P4 self-empl. woman 56, ISCED 6, self-employed, sensitive facts with consent; A+12 to A+27,
              self-employed upon leaving (A+30)
P5 corrected  gender and education unknown, birth year only (34-35): inactive at first; then
              corrected to a man, ISCED 3, unemployed one month; still taking part
P6 earlier    woman 30, ISCED 5, employed; enters A-100, leaves A+3 employed; a six-month
              result is refused before six months, then self-employed six months on; after
              t1 the follow-up is corrected: from precarious to stable work (EECR06)
P7 legacy     woman, no birth data, no ESF+ entry facts; enters A+18, still taking part
P8 no results man 45, ISCED 3, unemployed 30 days, rural; A-50 to A+50, nothing recorded since
P9 recent     woman 28, ISCED 4, unemployed 200 days (not long-term at 28); enters TODAY-40,
              leaves TODAY-10 job searching
"""

from __future__ import annotations

import csv
import io
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

from .conftest import failed_fields, person, problem

TODAY = datetime.now(UTC).date()
A = (TODAY.replace(day=1) - timedelta(days=265)).replace(day=1)
MONTH_END = add_months(A, 1) - timedelta(days=1)
YEAR = (A - timedelta(days=150), A + timedelta(days=214))
PROJECT_START = A - timedelta(days=400)


def d(n: int) -> date:
    return A + timedelta(days=n)


def born(age: int, on: date) -> str:
    """A birth date that makes the person `age` on the day `on`."""
    return (add_months(on, -12 * age) - timedelta(days=10)).isoformat()


@pytest.fixture(scope="module")
async def settings(service_settings: Callable[..., Awaitable[Settings]]) -> Settings:
    return await service_settings(
        Settings, esf_project_start=PROJECT_START, esf_rural_municipalities=frozenset({"734"})
    )


@pytest.fixture(scope="module")
def staff(token: Callable[..., str]) -> dict[str, str]:
    return auth(token("coordinator", subject="coordinator-esf"))


class Setup:
    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers

    async def register(self, entered: date, **over: Any) -> str:
        body = person(**({"entered_on": entered.isoformat(), "birth_year": None} | over))
        r = await self.client.post("/participants", json=body, headers=self.headers)
        assert r.status_code == 201, r.text
        pid: str = r.json()["id"]
        return pid

    async def entry(self, pid: str, episode: int, **body: Any) -> httpx.Response:
        url = f"/participants/{pid}/episodes/{episode}/esf-entry"
        return await self.client.put(url, json=body, headers=self.headers)

    async def results(
        self,
        pid: str,
        episode: int,
        stage: str,
        improvements: dict[str, date] | None = None,
        **found: date,
    ) -> httpx.Response:
        body: dict[str, Any] = {
            "results": [{"result": k, "observed_on": v.isoformat()} for k, v in found.items()]
        }
        if improvements is not None:
            body["improvements"] = [
                {"improvement": k, "observed_on": v.isoformat()} for k, v in improvements.items()
            ]
        url = f"/participants/{pid}/episodes/{episode}/esf-results/{stage}"
        return await self.client.put(url, json=body, headers=self.headers)

    async def exit(self, pid: str, on: date, outcome: str = "other") -> None:
        body = {"exit_date": on.isoformat(), "outcome": outcome}
        r = await self.client.post(f"/participants/{pid}/exit", json=body, headers=self.headers)
        assert r.status_code == 200, r.text

    async def ok(self, response: Awaitable[httpx.Response]) -> dict[str, Any]:
        r = await response
        assert r.status_code == 200, r.text
        found: dict[str, Any] = r.json()
        return found


def unemployed(since: date, **more: Any) -> dict[str, Any]:
    return {"labour_market_status": "unemployed", "unemployed_since": since.isoformat(), **more}


async def _returner(s: Setup) -> str:
    p1 = await s.register(d(2), gender="female", birth_date=born(40, d(2)), education_level=4)
    await s.ok(s.entry(p1, 1, **unemployed(d(2) - timedelta(days=400), municipality_code="734")))
    await s.exit(p1, d(10))
    await s.ok(s.results(p1, 1, "leaving", job_searching=d(12)))
    r = await s.client.post(
        f"/participants/{p1}/return", json={"returned_on": d(40).isoformat()}, headers=s.headers
    )
    assert r.status_code == 200, r.text
    # The second stay's own entry facts: outputs still count the first entry's situation.
    await s.ok(s.entry(p1, 2, labour_market_status="employed", municipality_code="091"))
    await s.exit(p1, d(60), "employed")
    await s.ok(s.results(p1, 2, "leaving", employed=d(62)))
    return p1


async def _young_and_student(s: Setup) -> tuple[str, str]:
    p2 = await s.register(d(5), gender="male", birth_date=born(22, d(5)), education_level=2)
    await s.ok(s.entry(p2, 1, **unemployed(add_months(d(5), -7), municipality_code="091")))
    await s.exit(p2, d(20))
    await s.ok(s.results(p2, 1, "leaving", job_searching=d(20)))
    await s.ok(s.results(p2, 1, "six_months", employed=add_months(d(20), 6) + timedelta(days=3)))
    p3 = await s.register(d(8), gender="other", birth_date=born(17, d(8)), education_level=2)
    status = {"labour_market_status": "inactive_in_education", "municipality_code": "734"}
    await s.ok(s.entry(p3, 1, **status))
    await s.exit(p3, d(25), "education")
    await s.ok(
        s.results(p3, 1, "leaving", in_education_or_training=d(25), qualification_gained=d(22))
    )
    return p2, p3


SENSITIVE = {
    "disability": True,
    "third_country_national": False,
    "foreign_background": True,
    "minority": None,
    "homeless": False,
}


async def _self_employed(s: Setup) -> str:
    p4 = await s.register(d(12), gender="female", birth_date=born(56, d(12)), education_level=6)
    status = {"labour_market_status": "self_employed", "municipality_code": "091"}
    refused = problem(await s.entry(p4, 1, **status, **SENSITIVE), 422)
    assert failed_fields(refused) == {("body", "disability")}
    assert "sensitive_characteristics" in refused["errors"][0]["msg"]
    consent = {"purpose": "sensitive_characteristics", "granted": True}
    r = await s.client.post(f"/participants/{p4}/consents", json=consent, headers=s.headers)
    assert r.status_code in (200, 201), r.text
    stored = await s.ok(s.entry(p4, 1, **status, **SENSITIVE))
    assert {k: stored[k] for k in SENSITIVE} == SENSITIVE
    await s.exit(p4, d(27))
    await s.ok(s.results(p4, 1, "leaving", self_employed=d(30)))
    return p4


async def _earlier_legacy_and_silent(s: Setup) -> tuple[str, str, str]:
    p6 = await s.register(d(-100), gender="female", birth_date=born(30, d(-100)), education_level=5)
    await s.ok(s.entry(p6, 1, labour_market_status="employed", municipality_code="091"))
    await s.exit(p6, d(3), "employed")
    await s.ok(s.results(p6, 1, "leaving", employed=d(3)))
    early = add_months(d(3), 6) - timedelta(days=1)
    refused = problem(await s.results(p6, 1, "six_months", employed=early), 422)
    assert failed_fields(refused) == {("body", "results")}
    later = add_months(d(3), 6) + timedelta(days=1)
    await s.ok(s.results(p6, 1, "six_months", self_employed=later))
    # Improvements: only at six months, only in work, only six months on.
    better = {"precarious_to_stable": later}
    refused = problem(await s.results(p6, 1, "leaving", better, employed=d(3)), 422)
    assert failed_fields(refused) == {("body", "improvements")}
    refused = problem(await s.results(p6, 1, "six_months", better), 422)
    assert failed_fields(refused) == {("body", "improvements")}
    too_early = {"promotion": early}
    refused = problem(await s.results(p6, 1, "six_months", too_early, self_employed=later), 422)
    assert failed_fields(refused) == {("body", "improvements")}
    refused = problem(await s.results(p6, 1, "six_months", {"raise": later}, employed=later), 422)
    assert failed_fields(refused) == {("body", "improvements", "0", "improvement")}
    p7 = await s.register(d(18), gender="female")
    p8 = await s.register(d(-50), gender="male", birth_date=born(45, d(-50)), education_level=3)
    await s.ok(s.entry(p8, 1, **unemployed(d(-80), municipality_code="734")))
    await s.exit(p8, d(50))
    return p6, p7, p8


async def _recent(s: Setup) -> str:
    entered = TODAY - timedelta(days=40)
    p9 = await s.register(entered, gender="female", birth_date=born(28, entered), education_level=4)
    since = entered - timedelta(days=200)
    await s.ok(s.entry(p9, 1, **unemployed(since, municipality_code="091")))
    await s.exit(p9, TODAY - timedelta(days=10))
    await s.ok(s.results(p9, 1, "leaving", job_searching=TODAY - timedelta(days=9)))
    refused = problem(await s.results(p9, 1, "six_months", employed=TODAY), 422)
    assert failed_fields(refused) == {("body", "results")}
    return p9


@pytest.fixture(scope="module")
async def people(
    client: httpx.AsyncClient, staff: dict[str, str], db: asyncpg.Connection
) -> dict[str, Any]:
    s = Setup(client, staff)
    p1 = await _returner(s)
    p2, p3 = await _young_and_student(s)
    p4 = await _self_employed(s)
    p6, p7, p8 = await _earlier_legacy_and_silent(s)
    p9 = await _recent(s)
    # P5: recorded at first with what was known, corrected after the entry.
    p5 = await s.register(d(15), birth_year=d(15).year - 35)
    await s.ok(s.entry(p5, 1, labour_market_status="inactive_not_in_education"))
    t1: datetime = await db.fetchval("SELECT now()")
    month_then = await client.get(
        "/reports/esf",
        params={"from": A.isoformat(), "to": MONTH_END.isoformat(), "as_of": t1.isoformat()},
        headers=staff,
    )
    assert month_then.status_code == 200, month_then.text
    r = await client.patch(
        f"/participants/{p5}", json={"gender": "male", "education_level": 3}, headers=staff
    )
    assert r.status_code == 200, r.text
    await s.ok(s.entry(p5, 1, **unemployed(d(-30), municipality_code="091")))
    # P6's follow-up corrected: the situation improved (precarious to stable work).
    later = add_months(d(3), 6) + timedelta(days=1)
    better = {"precarious_to_stable": later + timedelta(days=2)}
    await s.ok(s.results(p6, 1, "six_months", better, self_employed=later))
    ids = {"p1": p1, "p2": p2, "p3": p3, "p4": p4, "p5": p5, "p6": p6, "p7": p7, "p8": p8}
    return ids | {"p9": p9, "t1": t1, "month_then": month_then.content}


async def _report(
    client: httpx.AsyncClient, headers: dict[str, str], **params: str
) -> dict[str, tuple[int, ...]]:
    r = await client.get("/reports/esf", params=params, headers=headers)
    assert r.status_code == 200, r.text
    rows = r.json()["indicators"]
    for row in rows:
        assert row["definition"]
        assert row["definition_ref"] == f"docs/reporting.md#{row['code'].lower()}"
    cols = ("women", "men", "non_binary", "unknown", "total", "population", "not_known")
    return {row["code"]: tuple(row[c] for c in cols) for row in rows}


# women, men, non_binary, unknown, total, population, not known
MONTH = {
    "EECO01": (3, 2, 1, 0, 6, 6, 0),
    "EECO02": (1, 2, 0, 0, 3, 6, 1),
    "EECO03": (1, 1, 0, 0, 2, 6, 1),
    "EECO04": (0, 0, 1, 0, 1, 6, 1),
    "EECO05": (1, 0, 0, 0, 1, 6, 1),
    "EECO06": (0, 0, 1, 0, 1, 6, 1),
    "EECO07": (0, 1, 0, 0, 1, 6, 1),
    "EECO08": (1, 0, 0, 0, 1, 6, 1),
    "EECO09": (0, 1, 1, 0, 2, 6, 1),
    "EECO10": (1, 1, 0, 0, 2, 6, 1),
    "EECO11": (1, 0, 0, 0, 1, 6, 1),
    "EECO12": (1, 0, 0, 0, 1, 6, 5),
    "EECO13": (0, 0, 0, 0, 0, 6, 5),
    "EECO14": (1, 0, 0, 0, 1, 6, 5),
    "EECO15": (0, 0, 0, 0, 0, 6, 6),
    "EECO16": (0, 0, 0, 0, 0, 6, 5),
    "EECO17": (1, 0, 1, 0, 2, 6, 1),
    "EECR01": (0, 1, 0, 0, 1, 4, 0),
    "EECR02": (0, 0, 1, 0, 1, 4, 0),
    "EECR03": (0, 0, 1, 0, 1, 4, 0),
    "EECR04": (2, 0, 0, 0, 2, 4, 0),
    "EECR05": (0, 0, 0, 0, 0, 0, 0),
    "EECR06": (0, 0, 0, 0, 0, 0, 0),
}
YEAR_FIGURES = {
    "EECO01": (4, 3, 1, 0, 8, 8, 0),
    "EECO02": (1, 3, 0, 0, 4, 8, 1),
    "EECO03": (1, 1, 0, 0, 2, 8, 1),
    "EECO04": (0, 0, 1, 0, 1, 8, 1),
    "EECO05": (2, 0, 0, 0, 2, 8, 1),
    "EECO06": (0, 0, 1, 0, 1, 8, 1),
    "EECO07": (0, 1, 0, 0, 1, 8, 1),
    "EECO08": (1, 0, 0, 0, 1, 8, 1),
    "EECO09": (0, 1, 1, 0, 2, 8, 1),
    "EECO10": (1, 2, 0, 0, 3, 8, 1),
    "EECO11": (2, 0, 0, 0, 2, 8, 1),
    "EECO12": (1, 0, 0, 0, 1, 8, 7),
    "EECO13": (0, 0, 0, 0, 0, 8, 7),
    "EECO14": (1, 0, 0, 0, 1, 8, 7),
    "EECO15": (0, 0, 0, 0, 0, 8, 8),
    "EECO16": (0, 0, 0, 0, 0, 8, 7),
    "EECO17": (1, 1, 1, 0, 3, 8, 1),
    "EECR01": (0, 1, 0, 0, 1, 6, 1),
    "EECR02": (0, 0, 1, 0, 1, 6, 1),
    "EECR03": (0, 0, 1, 0, 1, 6, 1),
    "EECR04": (3, 0, 0, 0, 3, 6, 1),
    "EECR05": (1, 1, 0, 0, 2, 4, 2),
    # P6 employed on entry, improved; P2, P3 not employed on entry; P4 not followed up.
    "EECR06": (1, 0, 0, 0, 1, 4, 1),
}
SINCE_START = {
    "EECO01": (5, 3, 1, 0, 9, 9, 0),
    "EECO02": (2, 3, 0, 0, 5, 9, 1),
    "EECO03": (1, 1, 0, 0, 2, 9, 1),
    "EECO04": (0, 0, 1, 0, 1, 9, 1),
    "EECO05": (2, 0, 0, 0, 2, 9, 1),
    "EECO06": (0, 0, 1, 0, 1, 9, 1),
    "EECO07": (1, 1, 0, 0, 2, 9, 1),
    "EECO08": (1, 0, 0, 0, 1, 9, 1),
    "EECO09": (0, 1, 1, 0, 2, 9, 1),
    "EECO10": (2, 2, 0, 0, 4, 9, 1),
    "EECO11": (2, 0, 0, 0, 2, 9, 1),
    "EECO12": (1, 0, 0, 0, 1, 9, 8),
    "EECO13": (0, 0, 0, 0, 0, 9, 8),
    "EECO14": (1, 0, 0, 0, 1, 9, 8),
    "EECO15": (0, 0, 0, 0, 0, 9, 9),
    "EECO16": (0, 0, 0, 0, 0, 9, 8),
    "EECO17": (1, 1, 1, 0, 3, 9, 1),
    "EECR01": (1, 1, 0, 0, 2, 7, 1),
    "EECR02": (0, 0, 1, 0, 1, 7, 1),
    "EECR03": (0, 0, 1, 0, 1, 7, 1),
    "EECR04": (3, 0, 0, 0, 3, 7, 1),
    "EECR05": (1, 1, 0, 0, 2, 6, 4),
    "EECR06": (1, 0, 0, 0, 1, 6, 1),
}


async def test_every_cell_for_a_month(
    client: httpx.AsyncClient, staff: dict[str, str], people: dict[str, Any]
) -> None:
    found = await _report(client, staff, **{"from": A.isoformat(), "to": MONTH_END.isoformat()})
    assert found == MONTH


async def test_every_cell_for_a_year(
    client: httpx.AsyncClient, staff: dict[str, str], people: dict[str, Any]
) -> None:
    found = await _report(client, staff, **{"from": YEAR[0].isoformat(), "to": YEAR[1].isoformat()})
    assert found == YEAR_FIGURES


async def test_every_cell_since_the_project_started(
    client: httpx.AsyncClient, staff: dict[str, str], people: dict[str, Any]
) -> None:
    found = await _report(client, staff, cumulative="true")
    assert found == SINCE_START


async def test_a_past_report_is_unchanged_after_later_corrections_unless_asked_now(
    client: httpx.AsyncClient, staff: dict[str, str], people: dict[str, Any]
) -> None:
    t1: datetime = people["t1"]
    params = {"from": A.isoformat(), "to": MONTH_END.isoformat()}
    again = await client.get(
        "/reports/esf", params=params | {"as_of": t1.isoformat()}, headers=staff
    )
    assert again.content == people["month_then"]
    then = {row["code"]: row for row in again.json()["indicators"]}
    # P5 as first recorded: gender unknown, inactive, education not known.
    assert (then["EECO01"]["men"], then["EECO01"]["unknown"]) == (1, 1)
    assert (then["EECO04"]["unknown"], then["EECO04"]["total"]) == (1, 2)
    assert (then["EECO02"]["total"], then["EECO10"]["not_known"]) == (2, 2)
    now = await _report(client, staff, **params)
    assert now == MONTH
    assert then["EECO04"]["total"] != now["EECO04"][4]
    # P6's six-month follow-up as recorded by t1: in work, improvements not asked.
    since_then = await _report(client, staff, cumulative="true", as_of=t1.isoformat())
    assert since_then["EECR05"] == SINCE_START["EECR05"]
    assert since_then["EECR06"] == (0, 0, 0, 0, 0, 6, 2)
    view = await Setup(client, staff).ok(
        client.get(f"/participants/{people['p6']}/episodes/1/esf", headers=staff)
    )
    six = [r for r in view["results"] if r["stage"] == "six_months"]
    assert [r["improvements"] for r in six] == [
        {"precarious_to_stable": (add_months(d(3), 6) + timedelta(days=3)).isoformat()},
        None,
    ]


async def test_the_csv_opens_in_finnish_excel(
    client: httpx.AsyncClient, staff: dict[str, str], people: dict[str, Any]
) -> None:
    params = {"from": A.isoformat(), "to": MONTH_END.isoformat(), "format": "csv"}
    r = await client.get("/reports/esf", params=params, headers=staff)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    by_code = {row["code"]: row for row in rows}
    assert by_code["EECO12"]["not_known_share"] == "0,8333"
    assert by_code["EECO03"]["total"] == "2"
    assert by_code["EECO03"]["nimike"] == "Pitkäaikaistyöttömät"
    assert by_code["EECO03"]["definition"].startswith("unemployed on first entry")
    assert [row["indicator"] for row in rows if row["code"] == "period"] == ["from", "to", "as_of"]


async def test_a_printable_page_in_finnish(
    client: httpx.AsyncClient, staff: dict[str, str], people: dict[str, Any]
) -> None:
    params = {"from": A.isoformat(), "to": MONTH_END.isoformat(), "format": "html"}
    r = await client.get("/reports/esf", params=params, headers=staff)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    assert '<html lang="fi">' in page
    assert page.count("<table>") == 3
    assert "<td>EECO03</td><td>Pitkäaikaistyöttömät</td><td>1</td><td>1</td><td>0</td>" in page
    assert "<td>1 (16,7 %)</td>" in page


async def test_the_report_asks_for_a_period(
    client: httpx.AsyncClient, staff: dict[str, str], token: Callable[..., str]
) -> None:
    body = problem(await client.get("/reports/esf", headers=staff), 422)
    assert failed_fields(body) == {("query", "from")}
    r = await client.get(
        "/reports/esf", params={"cumulative": "true"}, headers=auth(token("participant"))
    )
    problem(r, 403)


async def test_the_data_quality_list_names_exactly_whom_it_should(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    people: dict[str, Any],
    db: asyncpg.Connection,
    token: Callable[..., str],
) -> None:
    r = await client.get("/reports/data-quality", headers=staff)
    assert r.status_code == 200, r.text
    assert r.json()["configuration"] == []
    found = {(i["participant_id"], i["problem"], tuple(i["missing"])) for i in r.json()["items"]}
    p = people
    assert found == {
        (p["p1"], "follow_up_missing", ("six_months",)),
        (p["p3"], "follow_up_missing", ("six_months",)),
        (p["p4"], "follow_up_missing", ("six_months",)),
        (p["p5"], "entry_facts_missing", ("birth_date",)),
        (
            p["p7"],
            "entry_facts_missing",
            ("birth_date", "education_level", "labour_market_status", "municipality_code"),
        ),
        (p["p8"], "exit_without_results", ("leaving",)),
        (p["p8"], "follow_up_missing", ("six_months",)),
    }
    audited = await db.fetch(
        "SELECT participant_id FROM audit_log WHERE action = 'read_data_quality'"
    )
    assert {str(a["participant_id"]) for a in audited} == {
        p[k] for k in ("p1", "p3", "p4", "p5", "p7", "p8")
    }
    counsellor = auth(token("counsellor"))
    problem(await client.get("/reports/data-quality", headers=counsellor), 403)


async def test_entry_facts_say_what_to_send_and_keep_every_version(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    people: dict[str, Any],
    token: Callable[..., str],
) -> None:
    s = Setup(client, staff)
    p5 = people["p5"]
    body = problem(await s.entry(p5, 1, labour_market_status="unemployed"), 422)
    assert failed_fields(body) == {("body", "unemployed_since")}
    body = problem(await s.entry(p5, 1, labour_market_status="retired"), 422)
    assert failed_fields(body) == {("body", "labour_market_status")}
    problem(await s.entry(p5, 9, labour_market_status="employed"), 404)
    problem(await s.results(people["p7"], 1, "leaving", employed=TODAY), 409)
    view = await s.ok(client.get(f"/participants/{p5}/episodes/1/esf", headers=staff))
    statuses = [e["labour_market_status"] for e in view["entry"]]
    assert statuses == ["unemployed", "inactive_not_in_education"]
    assert (view["entry"][0]["gender"], view["entry"][1]["gender"]) == ("male", None)
    assert (view["entry"][0]["age_from"], view["entry"][0]["age_to"]) == (34, 35)
    own = auth(token("participant", subject=p5))
    problem(await client.get(f"/participants/{p5}/episodes/1/esf", headers=own), 403)


async def test_access_export_holds_the_esf_facts_and_erasure_keeps_them_anonymous(
    client: httpx.AsyncClient, staff: dict[str, str], people: dict[str, Any], db: asyncpg.Connection
) -> None:
    p4 = people["p4"]
    r = await client.post(f"/participants/{p4}/access-requests", headers=staff)
    assert r.status_code == 202, r.text
    export = await db.fetchval(
        "SELECT export::text FROM access_request WHERE participant_id = $1", uuid.UUID(p4)
    )
    assert '"esf_entry"' in export
    assert '"disability": true' in export
    assert '"esf_results"' in export
    as_of: datetime = await db.fetchval("SELECT now()")
    params = {"cumulative": "true", "as_of": as_of.isoformat()}
    before = await client.get("/reports/esf", params=params, headers=staff)
    r = await client.post(f"/participants/{p4}/erasure", json={"reason": "request"}, headers=staff)
    assert r.status_code == 202, r.text
    after = await client.get("/reports/esf", params=params, headers=staff)
    assert after.content == before.content
    left = await db.fetchval(
        "SELECT count(*) FROM esf_entry WHERE participant_id = $1", uuid.UUID(p4)
    )
    assert left == 0
    kept = await db.fetchval("SELECT count(*) FROM esf_entry WHERE disability")
    assert kept == 1
    erasure = await client.get(r.headers["location"], headers=staff)
    counts = erasure.json()["services"][0]["counts"]
    assert (counts["esf_entry_anonymised"], counts["esf_results_anonymised"]) == (1, 1)
