from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict
from voimala_kit import Database, Problem, decode_cursor, encode_cursor
from voimala_kit.http import install_http
from voimala_kit.metrics import HTTP_REQUESTS


class Dated(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on: date


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str
    age: int


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_http(app, "httptest")
    # Nothing listens on port 1: every connection attempt is refused, as when the DB is down.
    pool = await asyncpg.create_pool("postgresql://x:y@127.0.0.1:1/none", min_size=0, timeout=2)
    database = Database(pool, "postgresql://x:y@127.0.0.1:1/none", 2.0)

    @app.post("/things")
    async def create(body: Body) -> dict[str, str]:
        return {"ok": body.email}

    @app.get("/things/{n}")
    async def read(n: int) -> dict[str, int]:
        raise Problem(404, "Not found", "no such thing")

    @app.get("/stored")
    async def stored() -> int:
        async with database.transaction() as conn:
            return int(await conn.fetchval("SELECT 1"))

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c
    await pool.close()


async def test_invalid_input_is_422_problem_details_without_the_values(
    client: httpx.AsyncClient,
) -> None:
    r = await client.post("/things", json={"email": "aino@example.fi", "age": "old", "x": 1})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == 422
    assert {tuple(e["loc"]) for e in body["errors"]} == {("body", "age"), ("body", "x")}
    assert "old" not in r.text
    assert "aino" not in r.text


async def test_a_problem_keeps_its_status_and_names_the_instance(client: httpx.AsyncClient) -> None:
    r = await client.get("/things/7", headers={"X-Correlation-ID": "abc-123"})
    assert r.status_code == 404
    assert r.json() == {
        "type": "about:blank",
        "title": "Not found",
        "status": 404,
        "detail": "no such thing",
        "instance": "/things/7",
    }
    assert r.headers["x-correlation-id"] == "abc-123"


async def test_a_database_that_is_away_is_503_not_500(client: httpx.AsyncClient) -> None:
    counted = HTTP_REQUESTS.labels("httptest", "GET", "/stored", 503)
    before = counted._value.get()
    r = await client.get("/stored")
    assert r.status_code == 503
    assert r.headers["retry-after"] == "5"
    assert r.json()["title"] == "Service unavailable"
    # The metrics (and the request log) say what the client got, not 500.
    assert counted._value.get() == before + 1
    assert HTTP_REQUESTS.labels("httptest", "GET", "/stored", 500)._value.get() == 0


async def test_an_unsafe_correlation_id_is_replaced(client: httpx.AsyncClient) -> None:
    r = await client.get("/things/1", headers={"X-Correlation-ID": "x" * 500})
    assert r.headers["x-correlation-id"] != "x" * 500


def test_cursors_round_trip_and_garbage_is_400() -> None:
    assert decode_cursor(encode_cursor(["2026-01-01T00:00:00+00:00", "id"]), 2) == [
        "2026-01-01T00:00:00+00:00",
        "id",
    ]
    for garbage in ("%%%", encode_cursor([1]), "bm90IGpzb24"):
        with pytest.raises(Problem) as err:
            decode_cursor(garbage, 2)
        assert err.value.status == 400


async def test_a_nul_character_in_json_text_is_422_before_the_handler(
    client: httpx.AsyncClient,
) -> None:
    r = await client.post(
        "/things",
        content=b'{"email": "a\\u0000@example.fi", "age": 3}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422
    assert "NUL" in r.json()["detail"]
    assert "example" not in r.text  # the value is not echoed
    # An escaped backslash followed by "u0000" is six ordinary characters.
    ok = await client.post(
        "/things",
        content=b'{"email": "a\\\\u0000@example.fi", "age": 3}',
        headers={"content-type": "application/json"},
    )
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"ok": "a\\u0000@example.fi"}


async def test_a_nul_character_in_the_address_or_a_form_is_refused(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/things/1?q=%00")).status_code == 400
    assert (await client.get("/things/%00")).status_code == 400
    form = await client.post(
        "/things",
        content=b"email=a%00b&age=3",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 422


async def test_a_body_over_the_limit_is_413_unread(client: httpx.AsyncClient) -> None:
    big = b'{"email": "' + b"a" * (1024 * 1024) + b'", "age": 1}'
    r = await client.post("/things", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("application/problem+json")

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):  # no Content-Length: counted while it arrives
            yield b"x" * 100_000

    streamed = await client.post("/things", content=chunks())
    assert streamed.status_code == 413


async def test_every_answer_says_nosniff(client: httpx.AsyncClient) -> None:
    r = await client.get("/things/1")
    assert r.headers["x-content-type-options"] == "nosniff"


async def test_every_answer_sends_no_referrer(client: httpx.AsyncClient) -> None:
    """An answer, a refusal by the guard (NUL) and an unknown address alike: the action pages'
    addresses hold signed tokens that must not travel on in a Referer header."""
    answers = [
        await client.get("/things/1"),
        await client.get("/nowhere"),
        await client.post("/things", content=b'{"email": "\\u0000", "age": 1}'),
        await client.get("/things/1?x=%00"),
    ]
    assert [r.headers.get("referrer-policy") for r in answers] == ["no-referrer"] * 4


async def test_an_html_page_may_not_be_framed() -> None:
    app = FastAPI()
    install_http(app, "htmltest")

    @app.get("/page")
    async def page() -> HTMLResponse:
        return HTMLResponse("<p>Hyväksy</p>")

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.get("/page")
    assert r.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert r.headers["x-frame-options"] == "DENY"


async def test_errors_say_what_to_send_for_dates_and_a_missing_content_type() -> None:
    app = FastAPI()
    install_http(app, "datetest")

    @app.post("/dated")
    async def dated(body: Dated) -> dict[str, str]:
        return {"on": body.on.isoformat()}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        finnish = await c.post("/dated", json={"on": "31.3.2027"})
        untyped = await c.post("/dated", content=b'{"on": "2027-03-31"}')
    assert finnish.status_code == 422
    assert finnish.json()["errors"][0]["msg"] == "expected a date as YYYY-MM-DD, e.g. 2027-03-31"
    assert "31.3.2027" not in finnish.text
    assert untyped.status_code == 422
    assert "Content-Type: application/json" in untyped.json()["errors"][0]["msg"]


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = None


async def test_no_body_is_an_empty_object_where_nothing_is_required() -> None:
    app = FastAPI()
    install_http(app, "emptytest")
    included = APIRouter()

    @included.post("/things/{n}/cancel")
    async def cancel(n: int, body: Reason) -> dict[str, str | None]:
        return {"reason": body.reason}

    @app.post("/things")
    async def create(body: Body) -> dict[str, str]:
        return {"ok": body.email}

    app.include_router(included)  # as the kit's create_app includes each service's routers
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        assert (await c.post("/things/1/cancel")).json() == {"reason": None}
        given = await c.post("/things/1/cancel", json={"reason": "ill"})
        assert given.json() == {"reason": "ill"}
        # A body is still required where a field is: the answer says the body is missing.
        missing = await c.post("/things")
        assert missing.status_code == 422
        assert missing.json()["errors"][0]["loc"] == ["body"]
        # Sent with a Content-Type, an empty body is still not JSON.
        typed = await c.post("/things/1/cancel", headers={"content-type": "application/json"})
        assert typed.status_code == 422


async def test_an_answer_from_the_outermost_error_handler_has_the_same_headers(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/stored", headers={"X-Correlation-ID": "abc-503"})
    assert r.status_code == 503
    assert r.headers.get("x-correlation-id") == "abc-503"
    assert r.headers.get("x-content-type-options") == "nosniff"
