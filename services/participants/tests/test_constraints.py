"""No request reaches a database constraint with bad data: every NOT NULL, CHECK, UNIQUE and
foreign key the API can reach, provoked with nulls and bad values, is answered 4xx by the API
itself (never a 500 from the database, whose error would carry the failing row). And the
database server's log holds none of the values sent."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from voimala_kit.testing import auth

from .conftest import person

#: Where deploy/local/postgres.sh has the server log (`.local/pg/logs`), when this user may read it.
PG_LOGS = Path(__file__).resolve().parents[3] / ".local" / "pg" / "logs"

#: Every profile field a PATCH may send, with values the database would refuse or that break a
#: rule: null for each (a NOT NULL column, or a field that may be cleared), then bad values.
BAD_PATCHES: list[dict[str, Any]] = [
    *(
        {name: None}
        for name in (
            "given_name",
            "family_name",
            "status",
            "preferred_language",
            "preferred_channel",
            "skills",
            "languages",
            "skill_uris",
            "availability",
            "wants_mentor",
            "matching_consent",
        )
    ),
    {"status": "exited"},
    {"status": ""},
    {"given_name": ""},
    {"given_name": "   "},
    {"family_name": ""},
    {"preferred_language": "de"},
    {"preferred_channel": "pigeon"},
    {"gender": "x"},
    {"birth_year": 1800},
    {"birth_year": 3000},
    {"birth_year": 2**40},
    {"education_level": 9},
    {"education_level": -1},
    {"subsidy_days": -1},
    {"subsidy_days": 2**40},
    {"referral_source": "friend"},
    {"skills": [None]},
    {"languages": [None]},
    {"languages": [{"code": None, "level": "B1"}]},
    {"availability": [None]},
    {"skill_uris": {"forklift": None}},
    {"skill_uris": {"not-a-skill": "http://data.europa.eu/esco/skill/x"}},
]


def _values(body: Any) -> list[str]:
    """The strings sent, to look for in the server's log."""
    if isinstance(body, dict):
        return [v for x in body.values() for v in _values(x)]
    if isinstance(body, list):
        return [v for x in body for v in _values(x)]
    return [body] if isinstance(body, str) and len(body) >= 6 else []


def _log_size() -> dict[Path, int]:
    try:
        return {p: p.stat().st_size for p in PG_LOGS.glob("postgresql-*.log")}
    except OSError:
        return {}


def _log_since(sizes: dict[Path, int]) -> str:
    text = []
    for p in PG_LOGS.glob("postgresql-*.log"):
        with p.open("rb") as f:
            f.seek(sizes.get(p, 0))
            text.append(f.read().decode("utf-8", "replace"))
    return "".join(text)


async def test_nulls_and_bad_values_never_reach_a_constraint(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    staff = auth(token("coordinator"))
    readable = _log_size()
    sent: list[str] = []
    answers: list[tuple[str, Any, int]] = []

    async def send(method: str, url: str, body: Any, headers: dict[str, str]) -> None:
        r = await client.request(method, url, json=body, headers=headers)
        answers.append((f"{method} {url.rsplit('/', maxsplit=1)[-1]}", body, r.status_code))
        sent.extend(_values(body))

    first = person()
    r = await client.post("/participants", json=first, headers=staff)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    other = (await client.post("/participants", json=person(), headers=staff)).json()
    own = auth(token("participant", subject=pid))
    url = f"/participants/{pid}"
    for patch in [*BAD_PATCHES, {"email": other["email"]}, {"email": other["email"].upper()}]:
        for headers in (staff, own):
            await send("PATCH", url, patch, headers)
    for name in ("given_name", "family_name", "preferred_language", "skills", "status"):
        await send("POST", "/participants", person(**{name: None}), staff)
    await send("POST", "/participants", person(email=first["email"].upper()), staff)
    await send("POST", "/participants", person(consents={"registry": False}), staff)
    for consent in (
        {"purpose": None, "granted": True},
        {"purpose": "marketing", "granted": True},
        {"purpose": "matching", "granted": None},
        {"purpose": "matching", "granted": True, "text_version": None},
        {"purpose": "matching", "granted": True, "text_version": ""},
    ):
        await send("POST", f"{url}/consents", consent, staff)
    for leaving in (
        {"exit_date": None, "outcome": "employed"},
        {"exit_date": "2026-01-01", "outcome": None},
        {"exit_date": "1901-01-01", "outcome": "employed"},  # before the episode started
        {"exit_date": "2026-01-01", "outcome": "retired"},
    ):
        await send("POST", f"{url}/exit", leaving, staff)
    await send("POST", f"{url}/episodes/1/follow-up", {"outcome": None}, staff)
    await send("POST", f"{url}/episodes/1/follow-up", {"outcome": "employed"}, staff)
    await send("POST", f"{url}/return", {"returned_on": "1901-01-01"}, staff)
    for visit in (
        {"participant_id": str(uuid.uuid4()), "purpose": "job_search"},  # no such participant
        {"purpose": None},
        {"purpose": "job_search", "count": 0},
        {"purpose": "job_search", "count": None},
        {"purpose": "job_search", "age_group": "ancient"},
    ):
        await send("POST", "/visits", visit, staff)
    for idea in ({"text": None}, {"text": "ok idea", "language": None}, {"text": "  "}):
        await send("POST", "/ideas", idea, staff)
        await send("POST", "/ideas/public", idea, {})
    await send("PUT", f"/ideas/{uuid.uuid4()}/status", {"status": None}, staff)

    broken = [a for a in answers if not 400 <= a[2] < 500]
    assert broken == [], broken
    if readable:
        log = _log_since(readable)
        # Code words ("matching", "employed") are no one's data, and the server's log is shared
        # (another suite's database named "…matching…"): only the values that could be.
        assert [v for v in sent if v in log and not re.fullmatch(r"[a-z_]+", v)] == []
        assert first["given_name"] not in log


@pytest.mark.parametrize("field", ["given_name", "family_name", "status", "preferred_language"])
async def test_a_required_field_sent_as_null_says_what_to_send(
    client: httpx.AsyncClient, token: Callable[..., str], field: str
) -> None:
    staff = auth(token("coordinator"))
    pid = (await client.post("/participants", json=person(), headers=staff)).json()["id"]
    r = await client.patch(f"/participants/{pid}", json={field: None}, headers=staff)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in r.text
