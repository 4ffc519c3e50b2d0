"""A use case's refusal becomes problem details in one place, whoever raised it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from voimala_kit import (
    Conflict,
    conflict,
    encode_cursor,
    forbidden,
    invalid,
    next_time_cursor,
    not_found,
    time_cursor,
)
from voimala_kit.http import Problem, install_http


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_http(app, "refusaltest")

    @app.get("/missing")
    async def missing() -> None:
        raise not_found("visit")

    @app.get("/taken")
    async def taken() -> None:
        raise Conflict(
            "this person already holds a registration",
            title="Already registered",
            location="/registrations/1",
            registration_id="1",
        )

    @app.get("/future")
    async def future() -> None:
        raise invalid("exit_date", "is in the future")

    @app.get("/theirs")
    async def theirs() -> None:
        raise forbidden("only staff may change these fields", fields=["status"])

    @app.get("/cursor")
    async def cursor(cursor: str | None = None) -> dict[str, str | None]:
        found = time_cursor(cursor)
        return {"at": found[0].isoformat() if found else None}

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


@pytest.mark.parametrize(
    ("path", "status", "title", "detail"),
    [
        ("/missing", 404, "Not found", "no such visit"),
        ("/taken", 409, "Already registered", "this person already holds a registration"),
        ("/future", 422, "Invalid request", "the request does not match the API"),
        ("/theirs", 403, "Forbidden", "only staff may change these fields"),
    ],
)
async def test_each_refusal_is_answered_as_problem_details(
    client: httpx.AsyncClient, path: str, status: int, title: str, detail: str
) -> None:
    r = await client.get(path)
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert (body["title"], body["status"], body["detail"]) == (title, status, detail)
    assert body["instance"] == path


async def test_a_refusal_keeps_its_location_and_extras(client: httpx.AsyncClient) -> None:
    r = await client.get("/taken")
    assert r.headers["location"] == "/registrations/1"
    assert r.json()["registration_id"] == "1"
    r = await client.get("/future")
    assert r.json()["errors"] == [
        {"loc": ["body", "exit_date"], "type": "value_error", "msg": "is in the future"}
    ]
    assert (await client.get("/theirs")).json()["fields"] == ["status"]


def test_a_refusal_is_a_plain_exception_free_of_http() -> None:
    refusal = conflict("already answered", title="Already answered")
    assert not isinstance(refusal, Problem)
    assert str(refusal) == "already answered"


async def test_a_time_cursor_goes_round_and_a_forged_one_is_400(
    client: httpx.AsyncClient,
) -> None:
    at = datetime(2027, 3, 31, 12, tzinfo=UTC)
    rows = [(at, uuid.uuid4()), (at, uuid.uuid4())]
    given = next_time_cursor(rows, 1, lambda r: r)
    assert given is not None
    assert time_cursor(given) == rows[0]
    assert next_time_cursor(rows, 2, lambda r: r) is None
    assert (await client.get("/cursor", params={"cursor": given})).json() == {"at": at.isoformat()}
    numbered = next_time_cursor([(at, 7), (at, 8)], 1, lambda r: r)
    assert numbered is not None
    assert time_cursor(numbered, int) == (at, 7)
    for forged in ("not-base64!", encode_cursor(["yesterday", "x"]), encode_cursor([1])):
        r = await client.get("/cursor", params={"cursor": forged})
        assert r.status_code == 400
        assert r.json()["title"] == "Bad cursor"
