"""Issue 17 in matching: one shape of language in and out, and an open opening's public face
names its employer (the organisation, never a contact person), on real PostgreSQL and Kafka."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from voimala_kit.testing import auth
from voimala_matching.repository.openings import OpeningRow, to_scoring

from .conftest import employer, mentor, opening, partner, problem


async def test_an_opening_takes_min_level_or_level_and_answers_level(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    p = await partner(client, token)
    old = await opening(client, token, p["id"], languages=[{"code": "fi", "min_level": "B1"}])
    new = await opening(client, token, p["id"], languages=[{"code": "SV", "level": "A2"}])
    assert old["languages"] == [{"code": "fi", "level": "B1"}]
    assert new["languages"] == [{"code": "sv", "level": "A2"}]
    r = await client.patch(
        f"/openings/{old['id']}",
        json={"languages": [{"code": "en", "level": "B2"}]},
        headers=employer(token, p["id"]),
    )
    assert r.status_code == 200, r.text
    assert r.json()["languages"] == [{"code": "en", "level": "B2"}]
    r = await client.get(f"/openings/{new['id']}", headers=auth(token("participant")))
    assert r.json()["languages"] == [{"code": "sv", "level": "A2"}]


async def test_a_language_without_its_level_says_so(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    p = await partner(client, token)
    body = {"type": "job", "title": "Kokki", "languages": [{"code": "fi"}]}
    r = await client.post(
        f"/partners/{p['id']}/openings", json=body, headers=employer(token, p["id"])
    )
    assert "level" in str(problem(r, 422))


def test_an_opening_stored_before_the_one_shape_still_ranks() -> None:
    now = datetime.now(UTC)
    row = OpeningRow(
        type="job", title="t", description="", required_skills=[], nice_skills=[],
        languages=[{"code": "fi", "min_level": "B1"}, {"code": "sv", "level": "A2"}],
        municipality=None, remote=False, hours=None, start_date=None, places=1,
        deadline=None, status="open", id=uuid.uuid4(), partner_id=uuid.uuid4(),
        created_at=now, updated_at=now,
    )  # fmt: skip
    levels = to_scoring(row).languages
    assert set(levels) == {"fi", "sv"}
    assert levels["fi"] > levels["sv"]


async def test_a_mentor_takes_bare_codes_or_the_one_shape(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    bare = await mentor(client, token, languages=["FI", "sv"])
    shaped = await mentor(client, token, languages=[{"code": "en", "level": "C1"}])
    assert bare["languages"] == [{"code": "fi", "level": None}, {"code": "sv", "level": None}]
    assert shaped["languages"] == [{"code": "en", "level": "C1"}]  # kept (issue 14)
    r = await client.get(f"/mentors/{bare['id']}", headers=auth(token("coordinator")))
    assert r.json()["languages"] == bare["languages"]


async def test_language_is_taken_as_preferred_language(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    tag = uuid.uuid4().hex[:6]
    contact = {"name": f"Sanna {tag}", "email": f"s.{tag}@example.fi", "language": "sv"}
    p = await partner(client, token, contacts=[contact])
    assert p["contacts"][0]["preferred_language"] == "sv"
    m = await mentor(client, token, language="en")
    assert m["preferred_language"] == "en"


async def test_an_open_opening_names_its_employer_to_a_participant(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    p = await partner(client, token)
    o = await opening(client, token, p["id"], title=f"Trial {uuid.uuid4().hex[:6]}")
    participant = auth(token("participant"))
    # The participant may not read the partner itself (its contact people) ...
    assert (await client.get(f"/partners/{p['id']}", headers=participant)).status_code == 403
    # ... and still learns whose opening it is, by the organisation's name only.
    r = await client.get(f"/openings/{o['id']}", headers=participant)
    assert r.status_code == 200, r.text
    shown = r.json()
    assert shown["partner_name"] == p["name"]
    for contact in p["contacts"]:
        assert contact["name"] not in r.text
        assert contact["email"] not in r.text
    listed = await client.get("/openings", params={"partner_id": p["id"]}, headers=participant)
    assert [(x["id"], x["partner_name"]) for x in listed.json()["items"]] == [(o["id"], p["name"])]
    assert o["partner_name"] == p["name"]
