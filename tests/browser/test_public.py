"""The public pages in a real browser, for people without an account: the month's programme,
an event with seats left, registration as a guest (with and without JavaScript), the waiting
list, ideas, the poster and the calendar feed; axe on every page in every language."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from voimala_kit import issue_token
from voimala_kit.clock import HELSINKI

from .conftest import NewPage, Stack, check_page

pytestmark = pytest.mark.browser


def _today() -> date:
    """The programme's today: Helsinki's date, as the portal's (from 21:00 or 22:00 UTC it
    is already tomorrow there, and on a month's last day the next month)."""
    return datetime.now(HELSINKI).date()


def _month(day: date, by: int = 0) -> str:
    index = day.year * 12 + day.month - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


async def _occurrences(stack: Stack) -> list[dict[str, Any]]:
    today = _today()
    found: list[dict[str, Any]] = []
    async with httpx.AsyncClient() as client:
        for by in (0, 1):
            r = await client.get(f"{stack.url('events')}/programme/{_month(today, by)}")
            found += r.json()["occurrences"]
    return found


async def _open_cafe(stack: Stack, skip: int = 0) -> dict[str, Any]:
    """A language café that takes registrations now (the demo programme holds one weekly)."""
    now = datetime.now(UTC)
    open_ones = [
        o
        for o in await _occurrences(stack)
        if o["category"] == "language_cafe"
        and o["status"] == "scheduled"
        and datetime.fromisoformat(o["starts_at"]) > now + timedelta(hours=2)
        and datetime.fromisoformat(o["registration_opens_at"]) <= now
        and (o["seats_left"] or 0) > 2
    ]
    assert len(open_ones) > skip, "the demo programme has no open language café"
    return open_ones[skip]


async def _mail_to(stack: Stack, address: str, timeout: float) -> EmailMessage:
    """The first e-mail to `address` (polled here: `Mailbox.wait_for_mail` hands a plain
    lambda to the kit's `wait_for`, which awaits what its probe returns)."""
    deadline = time.monotonic() + timeout
    while not stack.mailbox.to(address):
        assert time.monotonic() < deadline, f"no e-mail to the visitor in {timeout} s"
        await asyncio.sleep(0.5)
    return stack.mailbox.to(address)[0]


def _staff(jwt_keys: tuple[Path, Path]) -> dict[str, str]:
    token = issue_token(jwt_keys[0].read_bytes(), role="coordinator", subject="browser-test")
    return {"Authorization": f"Bearer {token}"}


async def _full_event(stack: Stack, jwt_keys: tuple[Path, Path]) -> dict[str, Any]:
    """An event with one seat, taken: the page must offer the waiting list."""
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    async with httpx.AsyncClient(base_url=stack.url("events")) as client:
        r = await client.post(
            "/series",
            json={
                "category": "workshop",
                "title": {"fi": "Täysi paja", "sv": "Full verkstad", "en": "Full workshop"},
                "rrule": "FREQ=DAILY;COUNT=1",
                "first_date": tomorrow,
                "start_time": "10:00",
                "end_time": "11:00",
                "capacity": 1,
                "skip_holidays": False,
            },
            headers=_staff(jwt_keys),
        )
        assert r.status_code == 201, r.text
        occ = (await client.get(f"/series/{r.json()['id']}/occurrences")).json()["items"][0]
        taken = {"guest": {"name": "Early Bird", "email": f"early.{uuid.uuid4().hex[:6]}@ex.fi"}}
        r = await client.post(f"/occurrences/{occ['occurrence_id']}/registrations", json=taken)
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "confirmed"
    return occ


@pytest.mark.parametrize("js", [True, False])
async def test_a_visitor_registers_for_the_language_cafe_in_english(
    stack: Stack, new_page: NewPage, js: bool
) -> None:
    """The issue's journey: without an account, in English, confirmed, with the e-mail."""
    cafe = await _open_cafe(stack, skip=0 if js else 1)
    address = f"visitor.{uuid.uuid4().hex[:8]}@example.fi"
    page = await new_page(js=js, lang="en")
    await page.goto(f"{stack.portal}/programme/{cafe['date'][:7]}?lang=en")
    await check_page(page, f"public-programme-en-js-{js}")
    await page.locator(f'a[href="/events/{cafe["occurrence_id"]}"]').click()
    await page.wait_for_load_state()
    assert await page.locator("h1").inner_text() == "Language café"
    places = await page.locator("dl.summary").inner_text()
    assert f"{cafe['seats_left']} seats left" in places  # seats left, not the capacity
    await check_page(page, f"public-event-en-js-{js}")
    await page.get_by_label("Your name").fill("Visitor Example")
    await page.get_by_label("E-mail address", exact=True).fill(address)
    if not js:  # a Finnish number as people write it: normalised by the events service
        await page.get_by_label(re.compile("^Phone number")).fill("040 123 4567")
    await page.get_by_role("button", name="Register").click()
    await page.wait_for_load_state()
    assert await page.locator("h1").inner_text() == "You are registered"
    body = await page.locator("main").inner_text()
    assert "Language café" in body
    assert "We remind you the day before the event." in body
    assert address not in page.url  # nothing personal in URLs
    assert "Visitor" not in page.url
    await check_page(page, f"public-registered-en-js-{js}")
    # The confirmation comes by e-mail too, in English.
    mail = await _mail_to(stack, address, timeout=180)
    assert "Language café" in str(mail["Subject"]) + stack.mailbox.text(mail)
    assert "booked" in str(mail["Subject"]).lower()
    # The event page now shows one seat fewer.
    await page.goto(f"{stack.portal}/events/{cafe['occurrence_id']}")
    assert f"{cafe['seats_left'] - 1} seats left" in await page.locator("dl.summary").inner_text()


@pytest.mark.parametrize("js", [True, False])
async def test_a_full_event_offers_the_waiting_list(
    stack: Stack, new_page: NewPage, jwt_keys: tuple[Path, Path], js: bool
) -> None:
    occ = await _full_event(stack, jwt_keys)
    page = await new_page(js=js, lang="fi")
    await page.goto(f"{stack.portal}/events/{occ['occurrence_id']}")
    assert "Täynnä" in await page.locator("dl.summary").inner_text()
    await page.get_by_role("heading", name="Ilmoittaudu jonoon").wait_for()
    await check_page(page, f"public-event-full-fi-js-{js}")
    await page.get_by_label("Nimesi").fill("Jonottaja")
    email = page.get_by_label("Sähköpostiosoite", exact=True)
    await email.fill(f"queue.{uuid.uuid4().hex[:8]}@example.fi")
    await page.get_by_role("button", name="Ilmoittaudu jonoon").click()
    await page.wait_for_load_state()
    assert await page.locator("h1").inner_text() == "Olet jonossa"
    text = await page.locator("main").inner_text()
    assert re.search(r"Paikkasi jonossa: \d+\.", text), text
    await check_page(page, f"public-waitlisted-fi-js-{js}")


async def test_bad_input_gets_a_clear_error_never_a_500(stack: Stack, new_page: NewPage) -> None:
    cafe = await _open_cafe(stack)
    page = await new_page(lang="en")
    url = f"{stack.portal}/events/{cafe['occurrence_id']}"
    await page.goto(url)
    # Nothing filled in: the summary names each field and links to it.
    await page.get_by_role("button", name="Register").click()
    await page.wait_for_load_state()
    assert (await page.title()).startswith("Error:")
    summary = page.locator(".error-summary")
    assert "Enter your name" in await summary.inner_text()
    assert "Enter an e-mail address or a phone number" in await summary.inner_text()
    await check_page(page, "public-event-errors-en")
    link = summary.get_by_role("link", name="Enter your name")
    assert await link.get_attribute("href") == "#name"
    assert await page.locator("#name").get_attribute("aria-invalid") == "true"
    # A bad e-mail and a phone number that cannot be anyone's.
    await page.get_by_label("Your name").fill("Someone")
    await page.get_by_label("E-mail address", exact=True).fill("not-an-address")
    await page.get_by_role("button", name="Register").click()
    await page.wait_for_load_state()
    assert "correct format" in await page.locator(".error-summary").inner_text()
    email = page.get_by_label("E-mail address", exact=True)
    assert await email.get_attribute("aria-invalid") == "true"
    await email.fill("")
    await page.get_by_label(re.compile("^Phone number")).fill("040 12")
    await page.get_by_role("button", name="Register").click()
    await page.wait_for_load_state()
    assert "Enter a phone number" in await page.locator(".error-summary").inner_text()
    # A NUL in the name: refused before anything is stored, never a server error.
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    r = await page.request.post(
        url,
        form={"csrf_token": cookies["voimala_csrf"], "name": "A\x00B", "email": "a@example.fi"},
    )
    assert 400 <= r.status < 500, r.status
    # A huge name.
    r = await page.request.post(
        f"{url}?lang=en",
        form={"csrf_token": cookies["voimala_csrf"], "name": "x" * 5000, "email": "a@ex.fi"},
    )
    assert r.status == 400
    assert "200 characters or fewer" in await r.text()
    # Addresses that name nothing: a page that says so.
    for path in (
        "/events/not-a-uuid",
        "/events/00000000-0000-0000-0000-000000000000",
        "/programme/2026-13",
        "/programme/1999-01/poster",
        f"/events/{cafe['occurrence_id']}/registered?status=nonsense",
    ):
        response = await page.goto(f"{stack.portal}{path}")
        assert response is not None
        assert response.status == 404, path
        assert await page.locator("h1").inner_text() == "Page not found"
    await check_page(page, "public-not-found-en")


async def test_month_navigation_and_a_filter_work_without_javascript(
    stack: Stack, new_page: NewPage
) -> None:
    page = await new_page(js=False, lang="en")
    await page.goto(f"{stack.portal}/programme")
    this_month = _month(_today())
    assert page.url.endswith(f"/programme/{this_month}")
    # Today is marked (the demo programme has something most days; the marker needs a day).
    today_cards = page.locator("section.day.today")
    if await today_cards.count():
        assert "Today" in await today_cards.first.locator("h2").inner_text()
    await page.get_by_label("What").select_option("language_cafe")
    await page.get_by_role("button", name="Show", exact=True).click()
    await page.wait_for_load_state()
    assert "category=language_cafe" in page.url
    cards = page.locator("li.card")
    assert await cards.count() > 0
    for text in await cards.all_inner_texts():
        assert "Language café" in text
    await page.get_by_role("link", name="Next month").click()
    await page.wait_for_load_state()
    assert f"/programme/{_month(_today(), 1)}" in page.url
    assert "category=language_cafe" in page.url  # the filter is kept
    assert await page.get_by_label("What").input_value() == "language_cafe"
    await page.get_by_role("link", name="Previous month").click()
    await page.wait_for_load_state()
    assert f"/programme/{this_month}" in page.url


async def test_an_idea_is_sent_without_an_account(
    stack: Stack, new_page: NewPage, jwt_keys: tuple[Path, Path]
) -> None:
    page = await new_page(lang="sv", phone=True)
    await page.goto(f"{stack.portal}/")
    await page.get_by_role("link", name="Föreslå en idé eller ett önskemål för programmet").click()
    await page.wait_for_load_state()
    await page.get_by_role("button", name="Skicka idén").click()
    await page.wait_for_load_state()
    assert "Skriv din idé" in await page.locator(".error-summary").inner_text()
    text = f"Brädspelskväll {uuid.uuid4().hex[:6]}"
    await page.get_by_label("Din idé eller ditt önskemål").fill(text)
    await page.get_by_role("button", name="Skicka idén").click()
    await page.wait_for_load_state()
    assert await page.locator("h1").inner_text() == "Tack för din idé"
    await check_page(page, "public-idea-thanks-sv-phone")
    # It reached the participants service, anonymously.
    async with httpx.AsyncClient() as client:
        r = await client.get(f"{stack.url('participants')}/ideas", headers=_staff(jwt_keys))
    mine = [i for i in r.json()["items"] if i["text"] == text]
    assert len(mine) == 1
    assert mine[0]["language"] == "sv"
    assert not mine[0]["from_participant"]


async def test_the_calendar_feed_and_the_poster(stack: Stack, new_page: NewPage) -> None:
    async with httpx.AsyncClient() as client:
        for lang, name in (("fi", "Voimalan ohjelma"), ("sv", "Voimalas program")):
            r = await client.get(f"{stack.portal}/programme.ics", params={"lang": lang})
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/calendar")
            assert name in r.text
            unfolded = r.text.replace("\r\n ", "")  # RFC 5545 folds long lines
            assert re.search(r"^URL:http\S+/events/[0-9a-f-]{36}\?lang=" + lang, unfolded, re.M)
        r = await client.head(f"{stack.portal}/programme.ics?lang=en")
        assert r.status_code == 200
    page = await new_page(lang="en", phone=True)
    await page.goto(f"{stack.portal}/")
    assert await page.locator('a[href="/programme.ics?lang=en"]').count() == 1
    await page.get_by_role("link", name="Printable poster of the month").click()
    await page.wait_for_load_state()
    assert await page.locator(".qr-code svg").count() == 1  # inline, nothing fetched
    # One column on a 390 px phone: nothing wider than the screen.
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert await page.evaluate(
        "getComputedStyle(document.querySelector('.poster-days')).columnCount"
    ) in ("1", "auto")
    await check_page(page, "public-poster-en-phone")


PAGES = ["/", "/programme/{next}", "/events/{cafe}", "/programme/{month}/poster", "/ideas"]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
@pytest.mark.parametrize("phone", [False, True])
async def test_every_public_page_passes_axe(
    stack: Stack, new_page: NewPage, lang: str, phone: bool
) -> None:
    cafe = await _open_cafe(stack)
    today = _today()
    page = await new_page(lang=lang, phone=phone)
    for path in PAGES:
        url = path.format(next=_month(today, 1), cafe=cafe["occurrence_id"], month=_month(today))
        await page.goto(f"{stack.portal}{url}?lang={lang}")
        assert await page.locator("html").get_attribute("lang") == lang
        name = re.sub(r"[^a-z]+", "-", path.split("{")[0]).strip("-") or "home"
        await check_page(page, f"public-{name}-{lang}-{'phone' if phone else 'desktop'}")
        if phone:
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (url, width)
