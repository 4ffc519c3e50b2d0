"""Issue 17 in participants: the one shape of language (`preferred_language`, `{code, level}`),
`language` still taken for `preferred_language`, on real PostgreSQL and Kafka."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from voimala_kit.testing import auth

from .conftest import failed_fields, person, problem


async def test_language_is_taken_as_preferred_language_and_answered_so(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    staff = auth(token("coordinator"))
    body = person(languages=[{"code": "AR", "level": "native"}])
    del body["preferred_language"]
    r = await client.post("/participants", json=body | {"language": "sv"}, headers=staff)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["preferred_language"] == "sv"
    assert "language" not in created
    assert created["languages"] == [{"code": "ar", "level": "native"}]
    r = await client.patch(f"/participants/{created['id']}", json={"language": "en"}, headers=staff)
    assert r.status_code == 200, r.text
    assert r.json()["preferred_language"] == "en"
    assert r.json()["languages"] == [{"code": "ar", "level": "native"}]


async def test_a_language_skill_is_code_and_level_and_nothing_else(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    staff = auth(token("coordinator"))
    for wrong, where in [
        ({"code": "fi"}, "level"),
        ({"code": "fi", "level": "B1", "levle": "B2"}, "levle"),
        ({"code": "finnish", "level": "B1"}, "code"),
    ]:
        r = await client.post("/participants", json=person(languages=[wrong]), headers=staff)
        assert where in {part for loc in failed_fields(problem(r, 422)) for part in loc}, r.text
