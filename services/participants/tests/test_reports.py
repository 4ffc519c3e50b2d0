"""Reports for a month from a known data set: JSON, CSV for spreadsheets, an SVG chart.

This module has a database of its own (module-scoped fixtures), so the counts are exact.
"""

from __future__ import annotations

import csv
import io
import uuid
import xml.etree.ElementTree as ET
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
MONTH = MONTH_START.strftime("%Y-%m")
YEAR = TODAY.year


def day(n: int) -> str:
    return (MONTH_START + timedelta(days=n - 1)).isoformat()


@pytest.fixture(scope="module")
def staff(token: Callable[..., str]) -> dict[str, str]:
    return auth(token("coordinator", subject="coordinator-r"))


async def _register(client: httpx.AsyncClient, headers: dict[str, str], **over: Any) -> str:
    r = await client.post("/participants", json=person(**over), headers=headers)
    assert r.status_code == 201, r.text
    pid: str = r.json()["id"]
    return pid


@pytest.fixture(scope="module")
async def data_set(
    client: httpx.AsyncClient, staff: dict[str, str], db: asyncpg.Connection
) -> dict[str, Any]:
    """Four entries in the month, one before it; two exits in it; visits in and around it."""
    young = await _register(
        client,
        staff,
        entered_on=day(3),
        birth_year=YEAR - 22,
        gender="female",
        education_level=2,
        subsidy_days=550,
    )
    middle = await _register(
        client,
        staff,
        entered_on=day(10),
        birth_year=YEAR - 40,
        gender="male",
        education_level=4,
        subsidy_days=320,
    )
    older = await _register(
        client,
        staff,
        entered_on=day(20),
        birth_year=YEAR - 58,
        gender="female",
        education_level=6,
        referral_reason="long absence from work",
    )
    unknown = await _register(client, staff, entered_on=day(28), birth_year=None)
    earlier = (MONTH_START - timedelta(days=40)).isoformat()
    before = await _register(client, staff, entered_on=earlier, birth_year=YEAR - 25)
    for pid, on, outcome in [(young, day(25), "employed"), (before, day(5), "education")]:
        r = await client.post(
            f"/participants/{pid}/exit", json={"exit_date": on, "outcome": outcome}, headers=staff
        )
        assert r.status_code == 200, r.text
    for body in [
        {"participant_id": middle, "purpose": "counselling", "visited_at": f"{day(11)}T10:00:00Z"},
        {
            "purpose": "language_cafe",
            "age_group": "under_30",
            "count": 5,
            "visited_at": f"{day(12)}T14:00:00Z",
        },
        # 22:30 UTC the day before is already the first of the month in Helsinki: counted.
        {
            "purpose": "digital_help",
            "age_group": "55_plus",
            "count": 2,
            "visited_at": f"{MONTH_START - timedelta(days=1)}T22:30:00Z",
        },
        # 23:30 UTC on the last day is already the next month in Helsinki: not counted.
        {"purpose": "other", "count": 3, "visited_at": f"{MONTH_END}T23:30:00Z"},
    ]:
        r = await client.post("/visits", json=body, headers=staff)
        assert r.status_code == 201, r.text
    # Activities and proposals come from the other services' events; as stored facts they
    # are timeline rows, written here as the consumer writes them.
    for pid, kind, on in [
        (young, "activity.attended", day(6)),
        (young, "match.proposed", day(15)),
        (middle, "activity.registered", day(14)),
    ]:
        await db.execute(
            "INSERT INTO timeline_entry (participant_id, occurred_at, kind, source, event_id)"
            " VALUES ($1, $2::date + time '12:00', $3, 'test', $4)",
            uuid.UUID(pid),
            date.fromisoformat(on),
            kind,
            uuid.uuid4(),
        )
    return {"young": young, "middle": middle, "older": older, "unknown": unknown}


async def _report(client: httpx.AsyncClient, staff: dict[str, str], **params: Any) -> Any:
    r = await client.get("/reports/programme", params={"month": MONTH, **params}, headers=staff)
    assert r.status_code == 200, r.text
    return r


async def test_the_months_figures_are_the_expected_counts(
    client: httpx.AsyncClient, staff: dict[str, str], data_set: dict[str, Any]
) -> None:
    report = (await _report(client, staff)).json()

    entries = report["entries"]
    assert entries["total"] == 4
    assert entries["new_participants"] == 4
    assert entries["youth"] == 1
    assert entries["youth_share"] == 0.25
    assert entries["by_gender"] == {"female": 2, "male": 1, "other": 0, "unknown": 1}
    assert entries["by_age_group"] == {"under_30": 1, "30_54": 1, "55_plus": 1, "unknown": 1}
    assert entries["by_education"] == {
        "isced_0_2": 1,
        "isced_3_4": 1,
        "isced_5_8": 1,
        "unknown": 1,
    }
    assert entries["by_target_group"] == {
        "subsidy_500_plus": 1,
        "subsidy_300_499": 1,
        "referred_by_staff": 1,
        "none": 1,
    }
    assert report["exits"]["total"] == 2
    assert report["exits"]["by_outcome"]["employed"] == 1
    assert report["exits"]["by_outcome"]["education"] == 1

    visits = report["service_point"]
    assert (visits["visits"], visits["identified"], visits["anonymous"]) == (8, 1, 7)
    assert visits["by_purpose"]["language_cafe"] == 5
    assert visits["by_purpose"]["digital_help"] == 2
    assert visits["by_purpose"]["other"] == 0
    assert visits["by_age_group"] == {"under_30": 5, "30_54": 1, "55_plus": 2, "unknown": 0}

    lead = report["lead_times_days"]
    assert lead["registration_to_first_activity"] == {"count": 2, "median": 3.5, "mean": 3.5}
    assert lead["registration_to_first_proposal"] == {"count": 1, "median": 12.0, "mean": 12.0}
    # The young one (22 days) and the one who entered 40 days before the month (44 days).
    assert lead["registration_to_outcome"] == {"count": 2, "median": 33.0, "mean": 33.0}


async def test_a_past_report_is_rebuilt_identically_as_of_its_time(
    client: httpx.AsyncClient, staff: dict[str, str], data_set: dict[str, Any]
) -> None:
    first = await _report(client, staff)
    as_of = first.json()["as_of"]
    await _register(client, staff, entered_on=day(2), birth_year=YEAR - 19)

    again = await _report(client, staff, as_of=as_of)
    assert again.json() == first.json()
    now = (await _report(client, staff)).json()
    assert now["entries"]["total"] == first.json()["entries"]["total"] + 1

    csv_then = await _report(client, staff, as_of=as_of, format="csv")
    csv_again = await _report(client, staff, as_of=as_of, format="csv")
    assert csv_then.content == csv_again.content
    svg_then = await _report(client, staff, as_of=as_of, format="svg")
    svg_again = await _report(client, staff, as_of=as_of, format="svg")
    assert svg_then.content == svg_again.content


async def test_the_csv_opens_in_a_spreadsheet(
    client: httpx.AsyncClient, staff: dict[str, str], data_set: dict[str, Any]
) -> None:
    r = await _report(client, staff, format="csv", as_of="2999-01-01T00:00:00Z")
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    raw = r.content
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    # The key columns first, as before; the Finnish name of each figure last.
    assert rows[0] == ["section", "figure", "value", "nimike"]
    assert all(len(row) == 4 for row in rows)
    values = {(s, f): v for s, f, v, _ in rows}
    assert values[("period", "start")] == MONTH_START.isoformat()
    assert values[("entries", "by_target_group.subsidy_500_plus")] == "1"
    assert values[("service_point", "visits")] == "8"
    share = (await _report(client, staff, as_of="2999-01-01T00:00:00Z")).json()["entries"]
    # A decimal comma, as Finnish Excel reads it.
    assert values[("entries", "youth_share")] == str(share["youth_share"]).replace(".", ",")
    assert "," in values[("entries", "youth_share")]


async def test_the_chart_renders_as_svg(
    client: httpx.AsyncClient, staff: dict[str, str], data_set: dict[str, Any]
) -> None:
    r = await _report(client, staff, format="svg")
    assert r.headers["content-type"] == "image/svg+xml"
    root = ET.fromstring(r.content)  # noqa: S314 - the service under test made it
    assert root.tag.endswith("svg")
    assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) > 10
    assert root.findall(".//{http://www.w3.org/2000/svg}text")  # words, not glyph paths


@pytest.mark.parametrize(
    "params",
    [
        {"month": "2026-13"},
        {"month": "last"},
        {"month": None, "start": "2026-02-01"},
        {"month": None, "start": "2026-02-01", "end": "2026-01-01"},
        {"month": None, "start": "2024-01-01", "end": "2026-01-01"},
        {"format": "xlsx"},
        {"as_of": "2026-01-01T00:00:00"},  # no time zone
    ],
)
async def test_a_bad_period_is_a_422(
    client: httpx.AsyncClient, staff: dict[str, str], params: dict[str, Any]
) -> None:
    query = {k: v for k, v in ({"month": MONTH} | params).items() if v is not None}
    r = await client.get("/reports/programme", params=query, headers=staff)
    problem(r, 422)


@pytest.mark.parametrize("role", ["employer", "mentor", "participant"])
async def test_reports_are_for_staff_and_ops_only(
    client: httpx.AsyncClient, token: Callable[..., str], role: str
) -> None:
    r = await client.get(f"/reports/programme?month={MONTH}", headers=auth(token(role)))
    problem(r, 403)
    r = await client.get(f"/reports/programme?month={MONTH}", headers=auth(token("ops")))
    assert r.status_code == 200
