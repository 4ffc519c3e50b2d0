"""Withdrawn consent and the missing rural list, on a database of this module's own.

W (woman) and K (man) consent to the sensitive characteristics and have them recorded (W's
twice: a correction); N (no consent) has none. W then withdraws her consent: her values are
erased from every version, she counts as not known from then on, also in a report `as_of`
an earlier moment (which says so); K's and everyone's other figures are unchanged. The rural
list is not configured here: the report and the data-quality list say that EECO17 needs it.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from voimala_kit.testing import auth
from voimala_participants.settings import Settings

from .conftest import failed_fields, person, problem

TODAY = datetime.now(UTC).date()
ENTERED = TODAY - timedelta(days=30)
START = TODAY - timedelta(days=400)
SENSITIVE_KEYS = (
    "disability",
    "third_country_national",
    "foreign_background",
    "minority",
    "homeless",
)


@pytest.fixture(scope="module")
async def settings(service_settings: Callable[..., Awaitable[Settings]]) -> Settings:
    return await service_settings(Settings, esf_project_start=START)


@pytest.fixture(scope="module")
def staff(token: Callable[..., str]) -> dict[str, str]:
    return auth(token("coordinator", subject="coordinator-withdrawn"))


async def _register(client: httpx.AsyncClient, staff: dict[str, str], gender: str) -> str:
    body = person(entered_on=ENTERED.isoformat(), gender=gender, birth_date="1990-05-05")
    r = await client.post("/participants", json=body | {"birth_year": None}, headers=staff)
    assert r.status_code == 201, r.text
    pid: str = r.json()["id"]
    return pid


async def _consent(
    client: httpx.AsyncClient, staff: dict[str, str], pid: str, granted: bool
) -> None:
    body = {"purpose": "sensitive_characteristics", "granted": granted}
    r = await client.post(f"/participants/{pid}/consents", json=body, headers=staff)
    assert r.status_code in (200, 201), r.text


async def _entry(
    client: httpx.AsyncClient, staff: dict[str, str], pid: str, **sensitive: bool | None
) -> httpx.Response:
    body = {"labour_market_status": "inactive_not_in_education", "municipality_code": "091"}
    url = f"/participants/{pid}/episodes/1/esf-entry"
    return await client.put(url, json=body | sensitive, headers=staff)


async def _report(
    client: httpx.AsyncClient, staff: dict[str, str], **params: str
) -> dict[str, Any]:
    r = await client.get("/reports/esf", params={"cumulative": "true", **params}, headers=staff)
    assert r.status_code == 200, r.text
    found: dict[str, Any] = r.json()
    return found


def _cells(report: dict[str, Any], code: str) -> tuple[int, ...]:
    row = next(r for r in report["indicators"] if r["code"] == code)
    cols = ("women", "men", "non_binary", "unknown", "total", "population", "not_known")
    return tuple(row[c] for c in cols)


@pytest.fixture(scope="module")
async def people(
    client: httpx.AsyncClient, staff: dict[str, str], db: asyncpg.Connection
) -> dict[str, Any]:
    w = await _register(client, staff, "female")
    k = await _register(client, staff, "male")
    n = await _register(client, staff, "male")
    await _consent(client, staff, w, True)
    await _consent(client, staff, k, True)
    first = {"disability": True, "foreign_background": None}
    assert (await _entry(client, staff, w, **first)).status_code == 200
    corrected = {"disability": True, "foreign_background": True, "third_country_national": False}
    assert (await _entry(client, staff, w, **corrected)).status_code == 200
    assert (await _entry(client, staff, k, disability=False, homeless=True)).status_code == 200
    assert (await _entry(client, staff, n)).status_code == 200
    t0: datetime = await db.fetchval("SELECT now()")
    before = await _report(client, staff, as_of=t0.isoformat())
    await _consent(client, staff, w, False)
    t1: datetime = await db.fetchval("SELECT now()")
    return {"w": w, "k": k, "n": n, "t0": t0, "t1": t1, "before": before}


async def test_before_the_withdrawal_her_facts_count(people: dict[str, Any]) -> None:
    before = people["before"]
    assert _cells(before, "EECO12") == (1, 0, 0, 0, 1, 3, 1)
    assert _cells(before, "EECO14") == (1, 0, 0, 0, 1, 3, 2)
    assert _cells(before, "EECO16") == (0, 1, 0, 0, 1, 3, 2)
    assert not [c for c in before["caveats"] if "EECO12" in c["codes"]]


async def test_withdrawal_erases_every_version_and_is_audited(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    people: dict[str, Any],
    db: asyncpg.Connection,
) -> None:
    w = uuid.UUID(people["w"])
    left = await db.fetchval(
        "SELECT count(*) FROM esf_entry WHERE participant_id = $1 AND (disability IS NOT NULL"
        " OR third_country_national IS NOT NULL OR foreign_background IS NOT NULL"
        " OR minority IS NOT NULL OR homeless IS NOT NULL)",
        w,
    )
    assert left == 0
    r = await client.get(f"/participants/{w}/episodes/1/esf", headers=staff)
    assert r.status_code == 200, r.text
    versions = r.json()["entry"]
    assert len(versions) == 2
    for v in versions:
        assert all(v[k] is None for k in SENSITIVE_KEYS)
        stamped = datetime.fromisoformat(v["sensitive_erased_at"])
        assert people["t0"] < stamped <= people["t1"]
        assert v["labour_market_status"] == "inactive_not_in_education"
    audited = await db.fetchval(
        "SELECT count(*) FROM audit_log WHERE participant_id = $1 AND action = $2",
        w,
        "esf_sensitive_erased",
    )
    assert audited == 1
    kept = await db.fetchval(
        "SELECT homeless FROM esf_entry WHERE participant_id = $1", uuid.UUID(people["k"])
    )
    assert kept is True
    # Without the consent nothing sensitive can be recorded again.
    refused = problem(await _entry(client, staff, str(w), disability=True), 422)
    assert failed_fields(refused) == {("body", "disability")}


async def test_she_counts_as_not_known_from_then_on(
    client: httpx.AsyncClient, staff: dict[str, str], people: dict[str, Any]
) -> None:
    now = await _report(client, staff)
    assert _cells(now, "EECO12") == (0, 0, 0, 0, 0, 3, 2)
    assert _cells(now, "EECO14") == (0, 0, 0, 0, 0, 3, 3)
    assert _cells(now, "EECO16") == (0, 1, 0, 0, 1, 3, 2)
    assert not [c for c in now["caveats"] if "EECO12" in c["codes"]]


async def test_an_earlier_report_says_what_the_erasure_changed(
    client: httpx.AsyncClient, staff: dict[str, str], people: dict[str, Any]
) -> None:
    before = people["before"]
    again = await _report(client, staff, as_of=people["t0"].isoformat())
    sensitive = {"EECO12", "EECO13", "EECO14", "EECO15", "EECO16"}
    for row, then in zip(again["indicators"], before["indicators"], strict=True):
        if row["code"] not in sensitive:
            assert row == then
    assert _cells(again, "EECO12") == (0, 0, 0, 0, 0, 3, 2)
    assert _cells(again, "EECO16") == _cells(before, "EECO16")
    erased = [c for c in again["caveats"] if "EECO12" in c["codes"]]
    assert len(erased) == 1
    assert erased[0]["text"].startswith("1 people's sensitive characteristics")
    # As of after the withdrawal nothing differs from what was reported then.
    later = await _report(client, staff, as_of=people["t1"].isoformat())
    assert not [c for c in later["caveats"] if "EECO12" in c["codes"]]


async def test_given_again_they_count_again_from_the_new_record(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    people: dict[str, Any],
    db: asyncpg.Connection,
) -> None:
    w = people["w"]
    await _consent(client, staff, w, True)
    assert (await _entry(client, staff, w, disability=True)).status_code == 200
    assert _cells(await _report(client, staff), "EECO12") == (1, 0, 0, 0, 1, 3, 1)
    at_t1 = await _report(client, staff, as_of=people["t1"].isoformat())
    assert _cells(at_t1, "EECO12") == (0, 0, 0, 0, 0, 3, 2)
    # Withdrawn again: the new value goes too.
    await _consent(client, staff, w, False)
    assert _cells(await _report(client, staff), "EECO12") == (0, 0, 0, 0, 0, 3, 2)


async def test_without_the_rural_list_the_report_and_the_quality_list_say_so(
    client: httpx.AsyncClient, staff: dict[str, str], people: dict[str, Any]
) -> None:
    report = await _report(client, staff)
    assert _cells(report, "EECO17") == (0, 0, 0, 0, 0, 3, 3)
    rural = [c for c in report["caveats"] if c["codes"] == ["EECO17"]]
    assert len(rural) == 1
    assert "PARTICIPANTS_ESF_RURAL_MUNICIPALITIES" in rural[0]["text"]
    r = await client.get("/reports/data-quality", headers=staff)
    assert r.status_code == 200, r.text
    gaps = r.json()["configuration"]
    assert [(g["problem"], g["affects"]) for g in gaps] == [
        ("rural_municipalities_not_configured", ["EECO17"])
    ]
    params = {"cumulative": "true", "format": "csv"}
    r = await client.get("/reports/esf", params=params, headers=staff)
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    caveat = [row for row in rows if row["code"] == "caveat"]
    assert [row["indicator"] for row in caveat] == ["EECO17"]
    assert "PARTICIPANTS_ESF_RURAL_MUNICIPALITIES" in caveat[0]["definition"]
    r = await client.get("/reports/esf", params=params | {"format": "html"}, headers=staff)
    assert "<h2>Huomautukset</h2>" in r.text
    assert "maaseutukunnista" in r.text
