"""`hot` endpoints: served without FastAPI's dependency solving when the resolver takes the
request, by FastAPI as always when it does not, with the same answers either way."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI, Header, Request, Response
from voimala_kit import Problem, json_response
from voimala_kit.http import hot, install_http
from voimala_kit.metrics import HTTP_REQUESTS

served: list[str] = []  # who served each request: "hot" (the resolver) or "fastapi"


async def caller(x_caller: Annotated[str | None, Header()] = None) -> str:
    if x_caller is None:
        raise Problem(401, "Unauthorized", "say who you are")
    served.append("fastapi")
    return x_caller


async def resolve(request: Request, params: dict[str, str]) -> dict[str, Any] | None:
    if not params["n"].isdigit():
        return None  # FastAPI answers 422
    who = request.headers.get("x-caller")
    if who is None:
        raise Problem(401, "Unauthorized", "say who you are")
    if who == "odd":
        return None  # FastAPI serves this caller
    served.append("hot")
    return {"n": int(params["n"]), "who": who}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_http(app, "hottest")

    @app.get("/things/{n}")
    @hot(resolve)
    async def read(n: int, who: Annotated[str, Depends(caller)]) -> Response:
        if n == 404:
            raise Problem(404, "Not found", "no such thing")
        if n == 500:
            raise RuntimeError("broken")
        return json_response({"n": n, "who": who})

    served.clear()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def test_a_plain_request_is_served_hot_with_the_same_answer(
    client: httpx.AsyncClient,
) -> None:
    hot_answer = await client.get("/things/7", headers={"X-Caller": "aino"})
    fastapi_answer = await client.get("/things/7", headers={"X-Caller": "odd"})
    assert served == ["hot", "fastapi"]
    assert hot_answer.status_code == fastapi_answer.status_code == 200
    assert hot_answer.json() == {"n": 7, "who": "aino"}
    assert fastapi_answer.json() == {"n": 7, "who": "odd"}
    for r in (hot_answer, fastapi_answer):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-correlation-id"]


async def test_what_the_resolver_leaves_fastapi_answers(client: httpx.AsyncClient) -> None:
    r = await client.get("/things/seven", headers={"X-Caller": "aino"})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert served == ["fastapi"]


async def test_errors_of_a_hot_request_are_the_apps_answers(client: httpx.AsyncClient) -> None:
    unauthorized = await client.get("/things/7")
    missing = await client.get("/things/404", headers={"X-Caller": "aino"})
    broken = await client.get("/things/500", headers={"X-Caller": "aino"})
    assert served == ["hot", "hot"]
    assert (unauthorized.status_code, missing.status_code, broken.status_code) == (401, 404, 500)
    assert missing.json()["instance"] == "/things/404"
    assert broken.headers["content-type"] == "application/problem+json"
    assert "broken" not in broken.text


async def test_hot_requests_are_counted_under_their_route(client: httpx.AsyncClient) -> None:
    series = HTTP_REQUESTS.labels("hottest", "GET", "/things/{n}", 200)
    before = series._value.get()
    await client.get("/things/7", headers={"X-Caller": "aino"})
    assert served == ["hot"]
    assert series._value.get() == before + 1
