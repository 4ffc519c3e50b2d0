"""The privacy pages in-process: the export drawn as tables whatever the services send, in the
person's language; the audit page naming every service it could not reach instead of failing;
only coordinators reach any of it. (The whole journey against the real services is
tests/browser/test_privacy.py.)"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from voimala_portal.api.privacy.audit import Trail, merged
from voimala_portal.api.privacy.export import export_view, value_text
from voimala_portal.web.deps import Portal
from voimala_portal.web.i18n import Translator

from .conftest import Browser, csrf, free_port, portal_calling, signed_in

EXPORT = {
    "notifications": {"contact": [], "messages": [{"id": "m1", "subject": "Tervetuloa"}]},
    "participants": {
        "participant": [{"given_name": "Åsa", "family_name": "Öberg", "skills": ["svets"]}],
        "consents": [
            {"purpose": "matching", "granted": True},
            {"purpose": "statistics", "granted": False, "text_version": "2026-01"},
        ],
    },
    "events": {
        "data": {"registrations": [{"occurrence_id": "o1"}] * 3},
        "_truncated": [{"data_set": "registrations", "kept": 3, "total": 40}],
    },
    "matching": None,
}


def test_the_export_is_tables_with_headings_in_the_persons_language() -> None:
    parts = export_view(EXPORT, Translator("sv").gettext)
    assert [p.service for p in parts] == ["participants", "events", "matching", "notifications"]
    register, events, matching, notifications = parts
    assert register.title == "Deltagarregistret"
    details, consents = register.data_sets
    # One record: its fields, labelled in the person's language, values as they are.
    assert details.title == "Uppgifter"
    assert ("Förnamn", "Åsa") in details.pairs
    assert ("Kompetens", "svets") in details.pairs
    # Several: a table with every field any record has, in the order first seen.
    assert consents.title == "Samtycken"
    assert consents.columns[-1] == "Textversion"
    assert consents.rows == [["matching", "true", ""], ["statistics", "false", "2026-01"]]
    assert events.data_sets[0].rows == [["o1"]] * 3
    assert (events.cuts[0].kept, events.cuts[0].total) == (3, 40)
    assert matching.missing
    assert not matching.data_sets
    contact, messages = notifications.data_sets
    assert contact.rows == []
    assert not contact.pairs
    assert messages.pairs == [("Id", "m1"), ("Ämne", "Tervetuloa")]
    finnish = export_view(EXPORT, Translator("fi").gettext)
    assert finnish[0].title == "Osallistujarekisteri"
    assert value_text(None) == ""
    assert value_text({"a": 1}) == '{"a": 1}'
    assert value_text(["fi", "sv"]) == "fi, sv"
    assert value_text([{"code": "sv", "level": "native"}, {"code": "fi", "level": None}]) == (
        "sv native; fi"
    )
    assert value_text([]) == value_text({}) == ""


def test_the_audit_trails_merge_newest_first_each_named_by_its_service() -> None:
    first = Trail("events", [{"at": "2026-12-01T10:00:00Z", "action": "a"}])
    second = Trail(
        "participants",
        [
            {"at": "2026-12-01T11:00:00+00:00", "action": "b", "service": "participants"},
            {"at": "2026-11-30T09:00:00Z", "action": "c"},
        ],
    )
    entries = merged([first, second, Trail("matching", failed=True)])
    assert [e["action"] for e in entries] == ["b", "a", "c"]
    assert [e["service"] for e in entries] == ["participants", "events", "participants"]


@pytest.fixture
async def nowhere(app: FastAPI) -> AsyncIterator[Portal]:
    """The portal with every service at an address where nothing answers."""
    dead = {f"{s}_url": f"http://127.0.0.1:{free_port()}" for s in ("participants", "events")}
    dead |= {f"{s}_url": f"http://127.0.0.1:{free_port()}" for s in ("matching", "notifications")}
    async with portal_calling(app, **dead) as portal:
        yield portal


async def test_the_audit_page_names_the_services_it_could_not_reach(
    browser: Browser, nowhere: Portal
) -> None:
    client = await signed_in(browser, nowhere, "coordinator")
    r = await client.get(f"/staff/participants/{uuid.uuid4()}/audit?lang=en")
    assert r.status_code == 200, r.text
    text = re.sub(r"\s+", " ", r.text)
    assert (
        "Not reached: Participant register, Events and registrations, "
        "Matching to work and mentors, Messages." in text
    )
    assert "Nothing recorded." in text
    assert "A participant no longer in the register" in text


async def test_only_a_coordinator_reaches_the_privacy_pages(
    browser: Browser, nowhere: Portal
) -> None:
    pid, other = uuid.uuid4(), uuid.uuid4()
    pages = [
        f"/staff/participants/{pid}/audit",
        f"/staff/participants/{pid}/erase",
        f"/staff/access-requests/{other}",
        f"/staff/access-requests/{other}/export.json",
        f"/staff/erasures/{other}",
    ]
    for role in ("counsellor", "ops", "participant", "employer", "mentor"):
        client = await signed_in(browser, nowhere, role)
        for path in pages:
            assert (await client.get(path)).status_code == 403, (role, path)
        token = await csrf(client)
        for path in (
            f"/staff/participants/{pid}/access-requests",
            f"/staff/participants/{pid}/erase",
        ):
            r = await client.post(path, data={"csrf_token": token, "reason": "request"})
            assert r.status_code == 403, (role, path)
    anonymous = browser()
    r = await anonymous.get(pages[0])
    assert r.status_code == 303
    assert r.headers["location"].startswith("/sign-in?next=")


async def test_ids_that_are_no_uuid_are_not_found_and_a_silent_service_is_said(
    browser: Browser, nowhere: Portal
) -> None:
    client = await signed_in(browser, nowhere, "coordinator")
    for path in ("/staff/access-requests/x", "/staff/erasures/1", "/staff/participants/x/audit"):
        assert (await client.get(path)).status_code == 404, path
    # The participants service does not answer: a page that says so, never a 500.
    assert (await client.get(f"/staff/access-requests/{uuid.uuid4()}")).status_code == 503
    token = await csrf(client)
    r = await client.post(
        f"/staff/participants/{uuid.uuid4()}/access-requests", data={"csrf_token": token}
    )
    assert r.status_code == 503
    # A forged form without its CSRF token is refused before anything is sent.
    r = await client.post(f"/staff/participants/{uuid.uuid4()}/erase", data={"reason": "other"})
    assert r.status_code == 403
