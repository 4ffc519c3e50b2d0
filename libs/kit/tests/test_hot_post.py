"""`hot` POST endpoints: the resolver reads the body; when it declines, FastAPI reads the same
body whole and answers as always; a GET to the same path is never taken by the POST's
resolver."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from pydantic import BaseModel, ConfigDict
from voimala_kit import json_response
from voimala_kit.http import hot, install_http

served: list[str] = []  # who served each request: "hot" (the resolver) or "fastapi"


class Thing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


async def resolve(request: Request, params: dict[str, str]) -> dict[str, Any] | None:
    raw = await request.body()
    found = json.loads(raw) if raw.startswith(b"{") else None
    if not isinstance(found, dict) or found.get("name") == "odd":
        return None  # FastAPI serves this one, with the body it reads again
    served.append("hot")
    return {"box": params["box"], "thing": Thing.model_validate(found)}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_http(app, "hottest-post")

    @app.get("/boxes/{box}/things")
    async def things(box: str) -> Response:
        served.append("get")
        return json_response({"box": box, "things": []})

    @app.post("/boxes/{box}/things", status_code=201)
    @hot(resolve)
    async def put_in(box: str, thing: Thing) -> Response:
        if not served or served[-1] != "hot":
            served.append("fastapi")
        return json_response({"box": box, "name": thing.name}, 201)

    served.clear()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def test_a_post_the_resolver_takes_is_served_hot(client: httpx.AsyncClient) -> None:
    r = await client.post("/boxes/b1/things", json={"name": "aino"})
    assert (r.status_code, r.json(), served) == (201, {"box": "b1", "name": "aino"}, ["hot"])
    assert r.headers["x-correlation-id"]


async def test_a_post_the_resolver_declines_reaches_fastapi_with_its_body(
    client: httpx.AsyncClient,
) -> None:
    r = await client.post("/boxes/b1/things", json={"name": "odd"})
    assert (r.status_code, r.json(), served) == (201, {"box": "b1", "name": "odd"}, ["fastapi"])


async def test_a_body_fastapi_refuses_is_fastapis_422(client: httpx.AsyncClient) -> None:
    r = await client.post("/boxes/b1/things", json=["not", "an", "object"])
    extra = await client.post("/boxes/b1/things", json={"name": "odd", "colour": "red"})
    assert r.status_code == extra.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert [e["loc"] for e in extra.json()["errors"]] == [["body", "colour"]]
    assert served == []


async def test_a_get_to_the_same_path_is_not_the_posts(client: httpx.AsyncClient) -> None:
    r = await client.get("/boxes/b1/things")
    assert (r.status_code, r.json(), served) == (200, {"box": "b1", "things": []}, ["get"])
