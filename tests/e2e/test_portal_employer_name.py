"""Issue 17 in the portal: a participant's matches name the employer of each opening by its
public name, which matching gives with the opening (a participant may not read the partner),
against a real matching service (its own database, served over HTTP)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from voimala_portal.api.me import _employer_names, _status_names
from voimala_portal.services import Caller, Services
from voimala_portal.settings import Settings
from voimala_portal.web.i18n import Translator
from voimala_portal.web.pages import render

from .conftest import post_opening


async def _opening(matching: str, token: Callable[..., str], status: str) -> dict[str, Any]:
    title = f"Hitsaaja {uuid.uuid4().hex[:6]}"
    opening = {"type": "job", "title": title, "status": status}
    return await post_opening(matching, token, "Salon Talkoot ry", opening)


def _proposal(kind: str, opening_id: str | None) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "opening_id": opening_id,
        "title": "Hitsaaja" if opening_id else None,
        "status": "proposed",
        "at": datetime(2027, 3, 1, tzinfo=UTC),
    }


def _request(language: str) -> Request:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/me/matches",
        "query_string": b"",
        "headers": [],
        "state": {"language": language, "csrf": "x"},
    }
    return Request(scope)


async def test_a_participants_matches_name_the_employer_of_an_open_opening(
    matching: str, portal_settings: Settings, token: Callable[..., str]
) -> None:
    shown = await _opening(matching, token, "open")
    draft = await _opening(matching, token, "draft")  # not open: not shown to a participant
    services = Services(portal_settings.model_copy(update={"matching_url": matching}))
    try:
        caller = Caller(services, token("participant"))
        proposals = [
            _proposal("opening", shown["id"]),
            _proposal("opening", draft["id"]),
            _proposal("mentor", None),
        ]
        await _employer_names(caller, proposals)
    finally:
        await services.close()
    assert [p["employer"] for p in proposals] == [shown["partner"]["name"], None, None]
    for language, said in [("fi", "Työnantaja: "), ("sv", "Arbetsgivare: "), ("en", "Employer: ")]:
        context = {
            "proposals": proposals,
            "waiting": [],
            "profile": {},
            "status_names": _status_names(Translator(language)),  # type: ignore[arg-type]
            "shared": "",
        }
        html = render(_request(language), "me/matches.html", context).body.decode()
        assert f"{said}{shown['partner']['name']}" in html
        assert html.count(said) == 1  # the draft's and the mentor's name no employer
        assert shown["partner"]["contacts"][0]["name"] not in html
