"""The counsellor's worklist page (/staff/worklist) against a real participants service (its
own database, served over HTTP), the portal in-process: the open items with the person's name
and the reason in the page's language, closing one with a note by a plain form, and the closed
list. (Who may open it is the portal's own test: services/portal/tests/test_worklist_page.py.)"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from voimala_kit.clock import SetClock
from voimala_kit.testing import Browser, auth, csrf, serving
from voimala_participants.bootstrap import bootstrap as participants_app
from voimala_participants.handlers.worklist import notice_inactive
from voimala_participants.settings import Settings as ParticipantsSettings
from voimala_portal.web.deps import Portal

from .conftest import portal_calling, signed_in

CLOCK = SetClock(datetime.now(UTC))


@pytest.fixture
async def participants(
    service_settings: Callable[..., Awaitable[ParticipantsSettings]],
) -> AsyncIterator[tuple[FastAPI, str]]:
    """The participants service over HTTP on a free port (the portal calls it so)."""
    settings = await service_settings(ParticipantsSettings, worklist_sweep_every=3600.0)
    app = participants_app(settings, CLOCK)
    async with serving(app) as url:
        yield app, url


@pytest.fixture
async def portal(portal_app: FastAPI, participants: tuple[FastAPI, str]) -> AsyncIterator[Portal]:
    """The portal calling that participants service."""
    async with portal_calling(portal_app, participants_url=participants[1]) as portal:
        yield portal


async def _inactive_participant(
    participants: tuple[FastAPI, str], token: Callable[..., str]
) -> str:
    """A participant registered, then a month and a day without activity: one open item."""
    app, url = participants
    tag = uuid.uuid4().hex[:8]
    body = {"given_name": f"Ebba{tag}", "family_name": "Lindqvist", "preferred_language": "sv"}
    async with httpx.AsyncClient(base_url=url) as client:
        r = await client.post(
            "/participants", json=body, headers=auth(token("counsellor", subject="c-1"))
        )
    assert r.status_code == 201, r.text
    platform = app.state.platform
    CLOCK.at = datetime.now(UTC) + timedelta(days=31)
    try:
        async with platform.db.transaction() as conn:
            await notice_inactive(platform.deps, conn)
    finally:
        CLOCK.at = datetime.now(UTC)
    return f"Ebba{tag} Lindqvist"


async def test_a_counsellor_closes_an_item_with_a_note_without_javascript(
    browser: Browser,
    portal: Portal,
    participants: tuple[FastAPI, str],
    token: Callable[..., str],
) -> None:
    name = await _inactive_participant(participants, token)
    client = await signed_in(browser, portal, "counsellor", f"counsellor-{uuid.uuid4().hex[:6]}")

    r = await client.get("/staff/worklist?lang=fi")
    assert r.status_code == 200, r.text
    assert name in r.text
    assert "Ei toimintaa kuukauteen" in r.text
    assert '<form method="post" action="/staff/worklist/' in r.text
    english = await client.get("/staff/worklist?lang=en")
    assert "No activity for a month" in english.text
    action = re.search(r'action="(/staff/worklist/[0-9a-f-]+)"', r.text)
    assert action

    token_value = await csrf(client, "/staff/worklist")
    r = await client.post(
        action.group(1),
        data={"csrf_token": token_value, "action": "done", "note": "Soitettu, tulee torstaina"},
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/staff/worklist?done=done"
    after = await client.get("/staff/worklist?done=done&lang=en")
    assert "The item was marked done." in after.text
    assert name not in after.text

    closed = await client.get("/staff/worklist?status=done&lang=en")
    assert name in closed.text
    assert "Soitettu, tulee torstaina" in closed.text

    again = await client.post(
        action.group(1), data={"csrf_token": token_value, "action": "dismiss", "note": ""}
    )
    assert again.headers["location"] == "/staff/worklist?error=closed"
