"""The operations pages with the operations API running for real (uvicorn on a port, the real
broker): the table of services, the dead letters without personal data, and a replay that is
done, refused as still invalid, or refused as too many, each said in the page's language.

The portal under test is also served on a port, so that the operations API finds one service
ready (the others are not started here: "not reachable", as at 3 a.m.)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from voimala_contracts import (
    ParticipantContact,
    ParticipantContactChanged,
    new_event,
    topics,
)
from voimala_contracts.portal import SigninAddress, SigninRequested
from voimala_kit.auth import TokenVerifier
from voimala_kit.testing import free_port
from voimala_ops import OpsConfig
from voimala_ops.api import create_api
from voimala_ops.config import SERVICES
from voimala_portal.services import Services
from voimala_portal.settings import Settings
from voimala_portal.web.deps import Portal

from .conftest import Browser, portal_calling, signed_in

PERSON = ("Matti", "Virtanen", "matti.virtanen@example.fi", "+358401234567")


class Switch:
    """The operations API's process: which configuration answers is the test's choice."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


async def _serve(app: Any, port: int) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", log_config=None, access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.05)
    return server, task


@dataclasses.dataclass
class OpsApi:
    switch: Switch
    normal: FastAPI
    limited: FastAPI
    url: str


@pytest.fixture(scope="module")
async def ops_api(app: FastAPI, settings: Settings, kafka_bootstrap: str) -> AsyncIterator[OpsApi]:
    portal_port, ops_port = free_port(), free_port()
    urls = {name: f"http://127.0.0.1:{free_port()}" for name in SERVICES}
    urls["portal"] = f"http://127.0.0.1:{portal_port}"
    assert settings.signing_key_file is not None
    verifier = TokenVerifier.from_file(
        settings.signing_key_file.with_name("jwt-public.pem"),
        settings.jwt_issuer,
        settings.jwt_audience,
    )
    config = OpsConfig(kafka=kafka_bootstrap, urls=urls, actor="unused")
    normal = create_api(config, verifier)
    limited = create_api(dataclasses.replace(config, replay_per_minute=0), verifier)
    switch = Switch(normal)
    servers = [await _serve(app, portal_port), await _serve(switch, ops_port)]
    yield OpsApi(switch, normal, limited, f"http://127.0.0.1:{ops_port}")
    for server, task in servers:
        server.should_exit = True
        await task


@pytest.fixture
async def portal(app: FastAPI, ops_api: OpsApi) -> AsyncIterator[Portal]:
    """The portal's dependencies with `PORTAL_OPS_URL` naming this test's operations API."""
    ops_api.switch.app = ops_api.normal
    async with portal_calling(app, ops_url=ops_api.url) as portal:
        yield portal


async def _dead_letter(producer: AIOKafkaProducer, value: bytes, original: str) -> str:
    """A dead letter on the portal's topic, with the headers the kit's consumer writes."""
    headers = [
        ("dlq.original.topic", original.encode()),
        ("dlq.original.partition", b"0"),
        ("dlq.original.offset", b"7"),
        ("dlq.consumer", b"portal-test"),
        ("dlq.error.class", b"InvalidEventError"),
        ("dlq.error.message", b"invalid data: participant_id"),
        ("dlq.time", datetime.now(UTC).isoformat().encode()),
    ]
    sent = await producer.send_and_wait(
        topics.dead_letter("portal"), value, key=uuid.uuid4().hex.encode(), headers=headers
    )
    return f"portal:{sent.partition}:{sent.offset}"


def _poison() -> bytes:
    pid = uuid.uuid4()
    personal = ParticipantContact(
        given_name=PERSON[0], family_name=PERSON[1], email=PERSON[2], phone=PERSON[3]
    )
    event = new_event(
        ParticipantContactChanged(participant_id=pid, personal=personal),
        service="participants",
        subject=str(pid),
    ).model_dump(mode="json")
    event["data"]["participant_id"] = "not-a-uuid"
    return json.dumps(event).encode()


def _sound() -> bytes:
    """A sign-in request long expired: replayed, every consumer reads it and does nothing."""
    data = SigninRequested(
        link_id=uuid.uuid4(),
        expires_at=datetime.now(UTC) - timedelta(days=1),
        personal=SigninAddress(email="nobody@example.invalid", link="http://portal.test/x"),
    )
    return new_event(data, service="portal", subject=str(data.link_id)).to_json()


def _text(html: str) -> str:
    """What a reader sees: the words without the markup (headers keep words unbroken)."""
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


async def _form(
    client: httpx.AsyncClient, path: str, lang: str = "en", **fields: str
) -> httpx.Response:
    """Open the page in `lang` (remembered in a cookie, as a browser would), send its form."""
    await client.get(path, params={"lang": lang})
    token = str(client.cookies.get("voimala_csrf"))
    return await client.post(f"{path}/replay", data={"csrf_token": token, **fields})


async def test_the_table_names_every_service_from_the_operations_api(
    browser: Browser, portal: Portal
) -> None:
    client = await signed_in(browser, portal, "ops")
    page = await client.get("/ops", params={"lang": "en"})
    assert page.status_code == 200
    html = page.text
    for name in SERVICES:
        assert f'id="service-{name}"' in html
    assert "Some service is not ready" in html  # only the portal runs here
    row = html.split('id="service-portal"')[1].split("</tr>")[0]
    assert "Ready" in row
    assert "Not reachable" in html.split('id="service-matching"')[1].split("</tr>")[0]
    assert "Outbox backlog" in _text(html)
    finnish = _text((await client.get("/ops", params={"lang": "fi"})).text)
    assert "Kaikki palvelut" in finnish
    assert "Viive, viestejä" in finnish


async def test_the_pages_are_for_the_ops_role_only(browser: Browser, portal: Portal) -> None:
    anonymous = browser()
    assert (await anonymous.get("/ops/dead-letters")).status_code == 303
    client = await signed_in(browser, portal, "coordinator")
    assert (await client.get("/ops")).status_code == 403
    assert (await client.get("/ops/dead-letters/portal:0:1")).status_code == 403


async def test_an_unreachable_operations_api_is_said_plainly(
    browser: Browser, portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = portal.settings.model_copy(update={"ops_url": f"http://127.0.0.1:{free_port()}"})
    monkeypatch.setattr(portal, "services", Services(gone))
    client = await signed_in(browser, portal, "ops")
    for path in ("/ops", "/ops/dead-letters", "/ops/dead-letters/portal:0:1"):
        page = await client.get(path, params={"lang": "sv"})
        assert page.status_code == 503
        assert "Driftens gränssnitt kan inte nås" in page.text
    await portal.services.close()


async def test_a_dead_letter_is_shown_without_personal_data_and_refused_while_invalid(
    browser: Browser, portal: Portal, producer: AIOKafkaProducer
) -> None:
    letter = await _dead_letter(producer, _poison(), topics.PARTICIPANTS)
    client = await signed_in(browser, portal, "ops")
    listed = await client.get("/ops/dead-letters", params={"service": "portal", "lang": "en"})
    assert listed.status_code == 200
    assert f'href="/ops/dead-letters/{letter}"' in listed.text
    path = f"/ops/dead-letters/{letter}"
    shown = await client.get(path, params={"lang": "en"})
    assert shown.status_code == 200
    assert "voimala.participants" in shown.text
    assert "[personal: 4 fields]" in shown.text
    for page in (listed.text, shown.text):
        for value in PERSON:
            assert value not in page

    empty = await _form(client, path, reason="  ")
    assert empty.status_code == 400
    assert "<title>Error:" in empty.text
    assert 'href="#reason"' in empty.text
    refused = await _form(client, path, reason="the participant was mended")
    assert refused.status_code == 409
    assert "the message is still invalid" in refused.text
    forged = await client.post(f"{path}/replay", data={"reason": "x"})
    assert forged.status_code == 403  # no CSRF token: refused before anything is sent
    assert (await client.get("/ops/dead-letters/portal:0:x")).status_code == 404
    assert (await client.get("/ops/dead-letters/portal:0:999999999")).status_code == 404


async def test_a_sound_dead_letter_is_replayed_and_too_many_are_refused(
    browser: Browser, portal: Portal, producer: AIOKafkaProducer, ops_api: OpsApi
) -> None:
    letter = await _dead_letter(producer, _sound(), topics.PORTAL)
    client = await signed_in(browser, portal, "ops")
    path = f"/ops/dead-letters/{letter}"

    ops_api.switch.app = ops_api.limited
    limited = await _form(client, path, reason="the cause was mended", lang="sv")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "60"
    assert "för många omsändningar" in limited.text
    assert "the cause was mended" in limited.text  # the reason is kept in the form

    ops_api.switch.app = ops_api.normal
    done = await _form(client, path, reason="the cause was mended", lang="fi")
    assert done.status_code == 303
    assert done.headers["location"] == f"{path}?replayed=1"
    shown = await client.get(done.headers["location"])
    assert "Lähetetty uudelleen" in shown.text
    assert "voimala.portal" in shown.text
