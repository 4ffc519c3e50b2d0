"""A person's rights through the coordinator, in a real browser against the whole platform: a
coordinator opens a participant, asks for a copy of their data and watches every service
answer, reads the copy (headings in the person's language, Swedish here, while the page is
Finnish), prints it and downloads the JSON; sees who read the data in every service; erases
the participant with a reason and watches every service confirm. Axe on every page; a phone
and English too; without JavaScript the forms work the same; other roles see no buttons and
get the forbidden page."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.async_api import Dialog, Page, ViewportSize
from voimala_kit.testing import wait_for

from .conftest import (
    ARTIFACTS,
    DESKTOP,
    NewPage,
    Stack,
    check_page,
    sign_in_as,
    upcoming_occurrence,
)

pytestmark = pytest.mark.browser
Token = Callable[..., str]
ANSWERS_WITHIN = 120  # seconds: three services answer through Kafka


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _participant(stack: Stack, token: Token, language: str) -> dict[str, Any]:
    """A new participant known to matching, registered to an upcoming event."""
    tag = uuid.uuid4().hex[:6]
    person = {
        "given_name": f"Saga{tag}",
        "family_name": f"Rättig{tag}",
        "email": f"saga.{tag}@example.fi",
        "preferred_language": language,
        "preferred_channel": "in_app",
        "birth_year": 1988,
        "municipality": "Salo",
        "skills": [f"svetsning-{tag}"],
        "languages": [{"code": "sv", "level": "native"}],
        "availability": ["full_time"],
        "consents": {"matching": True, "statistics": True},
    }
    staff = _auth(token("coordinator"))
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.post(
            f"{stack.url('participants')}/participants", json=person, headers=staff
        )
        assert r.status_code == 201, r.text
        pid = r.json()["id"]

        async def matched() -> bool | None:
            r = await client.get(f"{stack.url('matching')}/profiles/{pid}", headers=staff)
            return True if r.status_code == 200 else None

        await wait_for(matched, timeout=60)
        occurrence = await _upcoming_occurrence(client, stack)

        async def registered() -> bool | None:
            r = await client.post(
                f"{stack.url('events')}/occurrences/{occurrence}/registrations",
                json={},
                headers=_auth(token("participant", subject=pid)),
            )
            return True if r.status_code == 201 else None

        await wait_for(registered, timeout=60)
    return person | {"id": pid, "name": f"{person['given_name']} {person['family_name']}"}


async def _upcoming_occurrence(client: httpx.AsyncClient, stack: Stack) -> str:
    return str((await upcoming_occurrence(client, stack))["occurrence_id"])


async def _until_text(page: Page, text: str, timeout: float = ANSWERS_WITHIN) -> None:
    """Press the page's "check again" (a reload) until `text` is on it."""

    async def shown() -> bool | None:
        await page.reload()
        return True if text in await page.locator("main").inner_text() else None

    await wait_for(shown, timeout=timeout, interval=1.0)


def _accept_confirmations(page: Page) -> None:
    """The erase button asks again (window.confirm, the portal's script): yes."""

    def on_dialog(dialog: Dialog) -> None:
        asyncio.ensure_future(dialog.accept())  # noqa: RUF006 - Playwright awaits it itself

    page.on("dialog", on_dialog)


async def _ask_for_a_copy(page: Page, stack: Stack, person: dict[str, Any]) -> str:
    await page.goto(f"{stack.portal}/staff/participants/{person['id']}")
    button = page.get_by_role("button", name="Pyydä jäljennös tiedoista", exact=True)
    await button.focus()  # by keyboard: a real button in the tab order
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r".*/staff/access-requests/[0-9a-f-]{36}$"))
    return page.url.rsplit("/", 1)[-1]


async def _read_the_copy(page: Page, stack: Stack, person: dict[str, Any], request_id: str) -> None:
    await _until_text(page, "Kaikki palvelut ovat vastanneet")
    main = page.locator("main")
    statuses = page.locator("table.report-table tbody tr")
    assert await statuses.count() == 3
    assert await statuses.get_by_text("Vastannut", exact=True).count() == 3
    copy = page.locator("article.export")
    assert await copy.get_attribute("lang") == "sv"  # the person's language, not the page's
    assert await copy.locator("h2").inner_text() == "Dina uppgifter i Voimala"
    titles = await copy.locator("h3").all_inner_texts()
    assert titles == [
        "Deltagarregistret",
        "Evenemang och anmälningar",
        "Matchning mot arbete och mentorer",
        "Meddelanden",
    ]
    text = await copy.inner_text()
    assert person["given_name"] in text  # the values as they are
    assert person["skills"][0] in text
    assert "Anmälningar" in text  # the registration made above
    assert "Kopia av en deltagares uppgifter" not in await main.inner_text()
    await check_page(page, "privacy-access-complete-fi")

    async with page.expect_download() as info:
        await page.get_by_role("link", name="Lataa JSON-tiedostona").click()
    download = await info.value
    assert download.suggested_filename == f"voimala-access-request-{request_id}.json"
    path = await download.path()
    assert path is not None
    saved = json.loads(path.read_text("utf-8"))
    (ARTIFACTS / "privacy-access-export.json").write_text(path.read_text("utf-8"), "utf-8")
    assert saved["request_id"] == request_id
    assert saved["participant_id"] == person["id"]
    assert set(saved["export"]) >= {"participants", "events", "matching", "notifications"}

    # Printed: only the copy, no header, statuses or buttons.
    assert await page.get_by_role("button", name="Tulosta jäljennös").is_visible()
    await page.emulate_media(media="print")
    assert not await page.locator(".site-header").is_visible()
    assert not await page.get_by_role("heading", name="Palvelujen vastaukset").is_visible()
    assert await copy.is_visible()
    await check_page(page, "privacy-access-print")
    await page.emulate_media(media="screen")


async def _who_read(page: Page, stack: Stack, person: dict[str, Any]) -> None:
    await page.goto(f"{stack.portal}/staff/participants/{person['id']}")
    await page.get_by_role("link", name="Ketkä ovat lukeneet tai muuttaneet tietoja").click()
    await page.wait_for_url(f"**/staff/participants/{person['id']}/audit")
    main = await page.locator("main").inner_text()
    assert "Ei tavoitettu" not in main, main  # every service's log was read
    rows = page.locator("table tbody tr")
    assert await rows.count() >= 2
    services = set(await rows.locator("td:nth-child(5)").all_inner_texts())
    assert "Osallistujarekisteri" in services
    mine = await rows.filter(has_text="Sinä").count()
    assert mine >= 1, "the coordinator's own reads are listed as theirs"
    await check_page(page, "privacy-audit-fi")
    # At 200 % zoom (half the CSS pixels) nothing needs scrolling sideways but the table's
    # own region.
    half = ViewportSize(width=DESKTOP["width"] // 2, height=DESKTOP["height"] // 2)
    await page.set_viewport_size(half)
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    await check_page(page, "privacy-audit-zoom200-fi")
    await page.set_viewport_size(ViewportSize(width=DESKTOP["width"], height=DESKTOP["height"]))


async def _erase(page: Page, stack: Stack, person: dict[str, Any]) -> str:
    await page.goto(f"{stack.portal}/staff/participants/{person['id']}")
    await page.get_by_role("link", name="Poista osallistuja").click()
    await page.wait_for_url(f"**/staff/participants/{person['id']}/erase")
    assert await page.locator("h1").inner_text() == f"Poista {person['name']}"
    await check_page(page, "privacy-erase-fi")
    _accept_confirmations(page)
    await page.get_by_role("button", name="Poista osallistuja").click()  # no reason chosen
    await page.wait_for_load_state()
    assert (await page.title()).startswith("Virhe:")
    summary = page.locator(".error-summary")
    link = summary.get_by_role("link", name="Valitse poistamisen syy")
    assert await link.get_attribute("href") == "#reason"
    await check_page(page, "privacy-erase-error-fi")
    await page.select_option("#reason", "request")
    await page.fill("#note", "Pyysi itse palvelupisteessä.")
    await page.get_by_role("button", name="Poista osallistuja").click()
    await page.wait_for_url(re.compile(r".*/staff/erasures/[0-9a-f-]{36}$"))
    return page.url.rsplit("/", 1)[-1]


async def _see_it_erased(page: Page, stack: Stack, person: dict[str, Any]) -> None:
    await _until_text(page, "Kaikki palvelut ovat vahvistaneet poiston")
    main = await page.locator("main").inner_text()
    assert "Henkilö pyysi sitä" in main
    assert "Pyysi itse palvelupisteessä." in main
    for service in ("Osallistujarekisteri", "Tapahtumat ja ilmoittautumiset", "Viestit"):
        assert service in main
    assert main.count("Poistettu") >= 4
    assert "Ilmoittautumiset" in main  # events counted the registration it anonymised
    await check_page(page, "privacy-erasure-complete-fi")
    erasure = page.url
    # The profile says the person was erased, and where to see it (not a broken page).
    answer = await page.goto(f"{stack.portal}/staff/participants/{person['id']}")
    assert answer is not None
    assert answer.status == 410
    assert await page.locator("h1").inner_text() == "Tämä osallistuja on poistettu"
    link = await page.get_by_role("link", name="Katso poisto").get_attribute("href")
    assert link is not None
    assert erasure.endswith(link)
    await check_page(page, "privacy-erased-profile-fi")


async def test_a_coordinator_asks_for_a_copy_sees_who_read_and_erases_a_participant(
    stack: Stack, new_page: NewPage, token: Token
) -> None:
    person = await _participant(stack, token, "sv")
    page = await new_page()
    await sign_in_as(page, stack, "coordinator")
    await page.goto(f"{stack.portal}/staff/participants/{person['id']}")
    rights = page.locator("#rights")
    assert await rights.get_by_role("heading").inner_text() == "Henkilön oikeudet tietoihinsa"
    await check_page(page, "privacy-profile-fi")

    request_id = await _ask_for_a_copy(page, stack, person)
    await check_page(page, "privacy-access-first-view-fi")
    await _read_the_copy(page, stack, person, request_id)

    phone = await new_page(phone=True, lang="en")
    await sign_in_as(phone, stack, "coordinator")
    await phone.goto(f"{stack.portal}/staff/access-requests/{request_id}?lang=en")
    assert await phone.locator("h1").inner_text() == "Copy of a participant's data"
    assert await phone.locator("article.export h2").inner_text() == "Dina uppgifter i Voimala"
    assert await phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    await check_page(phone, "privacy-access-phone-en")

    await _who_read(page, stack, person)
    erasure_id = await _erase(page, stack, person)
    await _see_it_erased(page, stack, person)

    await phone.goto(f"{stack.portal}/staff/erasures/{erasure_id}?lang=sv")
    assert await phone.locator("h1").inner_text() == "Radering av en deltagare"
    assert await phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    await check_page(phone, "privacy-erasure-phone-sv")
    await phone.goto(f"{stack.portal}/staff/participants/{person['id']}/audit?lang=en")
    assert "A participant no longer in the register" in await phone.locator("main").inner_text()
    await check_page(phone, "privacy-audit-phone-en")
    # The copy went with the person.
    await page.goto(f"{stack.portal}/staff/access-requests/{request_id}")
    assert "Jäljennös on poistettu" in await page.locator("main").inner_text()
    assert await page.locator("article.export").count() == 0


async def test_without_javascript_the_forms_work_the_same(
    stack: Stack, new_page: NewPage, token: Token
) -> None:
    person = await _participant(stack, token, "en")
    page = await new_page(js=False)
    await sign_in_as(page, stack, "coordinator")
    await page.goto(f"{stack.portal}/staff/participants/{person['id']}")
    await page.get_by_role("button", name="Pyydä jäljennös tiedoista").click()
    await page.wait_for_url(re.compile(r".*/staff/access-requests/[0-9a-f-]{36}$"))
    assert await page.locator("h1").inner_text() == "Jäljennös osallistujan tiedoista"
    await check_page(page, "privacy-access-nojs-fi")
    await page.goto(f"{stack.portal}/staff/participants/{person['id']}/erase")
    await page.select_option("#reason", "consent_withdrawn")
    await page.fill("#note", "x" * 501)  # one character too many: said, not cut
    await page.get_by_role("button", name="Poista osallistuja").click()
    assert (await page.title()).startswith("Virhe:")
    assert "enintään 500 merkillä" in await page.locator(".error-summary").inner_text()
    assert await page.locator("#reason").input_value() == "consent_withdrawn"
    await page.fill("#note", "")
    await page.get_by_role("button", name="Poista osallistuja").click()
    await page.wait_for_url(re.compile(r".*/staff/erasures/[0-9a-f-]{36}$"))
    assert "Henkilö perui suostumuksensa" in await page.locator("main").inner_text()
    await check_page(page, "privacy-erasure-nojs-fi")
    # Erased once: asking again goes to that erasure, not an error.
    erasure_id = page.url.rsplit("/", 1)[-1]
    cookies = await page.context.cookies()
    csrf = next(c["value"] for c in cookies if c["name"] == "voimala_csrf")
    again = await page.request.post(
        f"{stack.portal}/staff/participants/{person['id']}/erase",
        form={"csrf_token": csrf, "reason": "other"},
        max_redirects=0,
    )
    assert again.status == 303
    assert again.headers["location"] == f"/staff/erasures/{erasure_id}"
    answer = await page.goto(f"{stack.portal}/staff/participants/{person['id']}/erase")
    assert answer is not None
    assert answer.status == 410  # erased: nothing to confirm, the erasure named


@pytest.mark.parametrize("role", ["counsellor", "ops"])
async def test_other_roles_see_no_buttons_and_get_the_forbidden_page(
    stack: Stack, new_page: NewPage, token: Token, role: str
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.get(
            f"{stack.url('participants')}/participants",
            params={"limit": 1},
            headers=_auth(token("coordinator")),
        )
        assert r.status_code == 200, r.text
        pid = r.json()["items"][0]["id"]
    page = await new_page()
    await sign_in_as(page, stack, role)
    if role == "counsellor":
        await page.goto(f"{stack.portal}/staff/participants/{pid}")
        assert await page.locator("h1").count() == 1
        assert await page.locator("#rights").count() == 0
        assert await page.get_by_role("button", name="Pyydä jäljennös tiedoista").count() == 0
    for path in (
        f"/staff/participants/{pid}/erase",
        f"/staff/participants/{pid}/audit",
        f"/staff/access-requests/{uuid.uuid4()}",
        f"/staff/erasures/{uuid.uuid4()}",
    ):
        answer = await page.goto(f"{stack.portal}{path}")
        assert answer is not None
        assert answer.status == 403, path
    await check_page(page, f"privacy-forbidden-{role}")
