"""The operations' HTTP API for the `ops` role, on the real broker: who may call it, what it
answers, and that it refuses what the command refuses. (Its replay, applied exactly once, is
in test_ops_deadletters.py.)"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from voimala_kit.auth import TokenVerifier
from voimala_kit.testing import PROBLEM_JSON, auth, free_port
from voimala_ops import OpsConfig
from voimala_ops.api import create_api
from voimala_ops.config import SERVICES


@pytest.fixture
async def api(
    kafka_bootstrap: str, jwt_keys: tuple[Path, Path]
) -> AsyncIterator[httpx.AsyncClient]:
    # No service runs at these addresses: status says so, as it would at 3 a.m.
    urls = {name: f"http://127.0.0.1:{free_port()}" for name in SERVICES}
    config = OpsConfig(kafka=kafka_bootstrap, urls=urls, actor="unused")
    app = create_api(config, TokenVerifier.from_file(jwt_keys[1], "voimala-dev", "voimala"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ops") as client:
        yield client


async def test_only_the_ops_role_may_call_it(
    api: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    anonymous = await api.get("/ops/status")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == PROBLEM_JSON
    coordinator = await api.get("/ops/dead-letters", headers=auth(token("coordinator")))
    assert coordinator.status_code == 403
    replay = await api.post(
        "/ops/dead-letters/matching:0:1/replay",
        json={"reason": "x"},
        headers=auth(token("counsellor")),
    )
    assert replay.status_code == 403


async def test_status_names_every_service_and_that_none_answers(
    api: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    response = await api.get("/ops/status", headers=auth(token("ops")))
    assert response.status_code == 200
    states = response.json()
    assert [s["service"] for s in states] == list(SERVICES)
    assert not any(s["reachable"] or s["ready"] for s in states)
    assert all(isinstance(s["dead_letters"], int) for s in states)  # read from Kafka


async def test_dead_letters_are_listed_and_a_wrong_one_is_not_found(
    api: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    ops = auth(token("ops"))
    listed = await api.get("/ops/dead-letters", params={"limit": 3}, headers=ops)
    assert listed.status_code == 200
    assert len(listed.json()) <= 3 * 5
    for letter in listed.json():
        assert {"id", "original", "consumer", "error", "event", "replays"} <= set(letter)
    assert (await api.get("/ops/dead-letters/not-an-id", headers=ops)).status_code == 404
    assert (await api.get("/ops/dead-letters/matching:0:999999999", headers=ops)).status_code == 404
    bad = await api.get("/ops/dead-letters", params={"service": "nobody"}, headers=ops)
    assert bad.status_code == 422


async def test_a_replay_needs_a_reason_and_one_that_is_not_there_is_refused(
    api: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    ops = auth(token("ops"))
    url = "/ops/dead-letters/matching:0:999999999/replay"
    assert (await api.post(url, json={}, headers=ops)).status_code == 422
    assert (await api.post(url, json={"reason": ""}, headers=ops)).status_code == 422
    extra = await api.post(url, json={"reason": "r", "by": "someone else"}, headers=ops)
    assert extra.status_code == 422  # who replays is the token's subject, never the body's
    refused = await api.post(url, json={"reason": "fixed", "dry_run": True}, headers=ops)
    assert refused.status_code == 200
    assert refused.json() == [
        {"id": "matching:0:999999999", "outcome": "refused", "detail": "no such dead letter"}
    ]


async def test_ready_when_kafka_answers(api: httpx.AsyncClient) -> None:
    response = await api.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {"kafka": "ok"}
