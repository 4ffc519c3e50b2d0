"""/staff for the counsellor at the service point (issue 10): a counsellor registers a
participant with consents, records a visit, registers them to the language café and checks
them in, with JavaScript on and off; the visit takes at most three clicks from /staff; axe on
every page in Finnish, Swedish and English; other roles get the forbidden page; bad input gets
a clear answer, never a 500."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page
from voimala_kit import issue_token
from voimala_kit.testing import wait_for

from .conftest import NewPage, Stack, check_page, sign_in_as

pytestmark = pytest.mark.browser

REGISTER_FORM = "form[action='/staff/participants/new']"


def _staff_token(jwt_keys: tuple[Path, Path]) -> str:
    return issue_token(jwt_keys[0].read_bytes(), role="coordinator")


_cafe: dict[str, str] = {}


async def cafe_open_for_check_in(stack: Stack, jwt_keys: tuple[Path, Path]) -> str:
    """The demo data's next language café (kielikahvila), moved to start in half an hour so
    that check-in (open from two hours before the start) works whatever the time of the run.
    Moved once per platform; returns its occurrence id."""
    if stack.portal in _cafe:
        return _cafe[stack.portal]
    now = dt.datetime.now(dt.UTC)
    events = stack.url("events")
    async with httpx.AsyncClient(timeout=10) as http:
        found: list[dict[str, Any]] = []
        for month in (now, now + dt.timedelta(days=31)):
            answer = await http.get(f"{events}/programme/{month:%Y-%m}", params={"format": "json"})
            found += answer.json()["occurrences"]
        cafe = next(
            o
            for o in sorted(found, key=lambda o: o["starts_at"])
            if o["category"] == "language_cafe"
            and o["status"] != "cancelled"
            and dt.datetime.fromisoformat(o["starts_at"]) > now
        )
        starts = now + dt.timedelta(minutes=30)
        moved = await http.patch(
            f"{events}/occurrences/{cafe['occurrence_id']}",
            json={
                "starts_at": starts.isoformat(),
                "ends_at": (starts + dt.timedelta(hours=2)).isoformat(),
            },
            headers={"Authorization": f"Bearer {_staff_token(jwt_keys)}"},
        )
        assert moved.status_code == 200, moved.text
    _cafe[stack.portal] = cafe["occurrence_id"]
    return _cafe[stack.portal]


async def continue_(page: Page) -> None:
    """The page's main button (the first submit button of the registration form)."""
    await page.locator(f"{REGISTER_FORM} button[type=submit]").first.click()
    await page.wait_for_load_state()


async def error_summary(page: Page) -> str:
    summary = page.locator(".error-summary")
    assert await summary.count() == 1
    return await summary.inner_text()


async def fill_registration(page: Page, email: str, *, check: str = "") -> None:
    """From the first page of the form to the check-your-answers page, with the mistakes a
    busy counsellor makes on the way (each must be caught and said clearly). `check`: a name
    prefix for check_page screenshots of every page (empty: no checks)."""

    async def checked(name: str) -> None:
        if check:
            await check_page(page, f"{check}-{name}")

    await checked("1-name")
    await continue_(page)  # nothing filled in
    assert (
        "Error:" in await page.title()
        or "Virhe:" in await page.title()
        or "Fel:" in (await page.title())
    )
    text = await error_summary(page)
    assert await page.locator("#given_name[aria-invalid=true]").count() == 1
    await checked("1-name-errors")
    # The error summary links to the field.
    assert await page.locator(".error-summary a[href='#given_name']").count() == 1
    assert text
    await page.fill("#given_name", "Aino")
    await page.fill("#family_name", "Testaaja")
    await continue_(page)

    await checked("2-contact")
    await page.fill("#email", email)
    await page.fill("#phone", "040 123 4567")
    await page.check("input[name=preferred_channel][value=email]")
    await continue_(page)

    await checked("3-birth")
    await page.fill("#birth_date", "31.2.2000")  # no such day
    await continue_(page)
    assert await page.locator("#birth_date[aria-invalid=true]").count() == 1
    await checked("3-birth-errors")
    await page.fill("#birth_date", "15.3.2001")
    await page.fill("#municipality", "Salo")
    await continue_(page)

    await checked("4-eligibility")
    await page.fill("#subsidy_days", "120")  # under 300 days and no reason
    await continue_(page)
    assert await page.locator("#referral_reason[aria-invalid=true]").count() == 1
    await page.fill("#referral_reason", "Nuori, tarvitsee tukea työnhakuun")
    await page.check("input[name=referral_source][value=career_coaching]")
    await continue_(page)

    await checked("5-background")
    await page.select_option("#education_level", "3")
    await page.select_option("#lang1", "fi")
    await page.select_option("#level1", "native")
    await page.select_option("#lang2", "en")
    await page.select_option("#level2", "B2")
    await page.fill("#skills", "asiakaspalvelu, trukkikortti")
    await continue_(page)

    await checked("6-consents")
    assert "2026-01" in await page.locator("main").inner_text()  # the text version shown
    await continue_(page)  # registry not ticked: refused
    assert await page.locator("fieldset#consent[aria-describedby*=consent-error]").count() == 1
    await page.check("input[name=consent][value=registry]")
    await page.check("input[name=consent][value=matching]")
    await page.check("input[name=consent][value=notifications_email]")
    await continue_(page)
    await checked("7-check")


@pytest.mark.parametrize("js", [True, False])
async def test_a_counsellor_registers_records_a_visit_books_the_cafe_and_checks_in(
    stack: Stack, new_page: NewPage, jwt_keys: tuple[Path, Path], js: bool
) -> None:
    cafe = await cafe_open_for_check_in(stack, jwt_keys)
    page = await new_page(js=js, phone=not js)
    shot = f"staff-journey-js-{js}"
    await sign_in_as(page, stack, "counsellor")
    assert page.url.endswith("/staff")
    await check_page(page, f"{shot}-front")

    # Register a participant with consents: one small group per page, then check the answers.
    await page.click("a[href='/staff/participants/new']")
    await page.wait_for_load_state()
    email = f"aino.{uuid.uuid4().hex[:8]}@example.fi"
    await fill_registration(page, email, check=shot)
    summary = await page.locator("dl.check-answers").inner_text()
    assert "Aino Testaaja" in summary
    assert email in summary
    assert "15.3.2001" in summary
    # Change an answer from the check page: back to that page, then straight back here.
    await page.click("button[name=goto][value=contact]")
    await page.wait_for_load_state()
    assert await page.input_value("#phone") == "040 123 4567"
    await page.fill("#phone", "040 765 4321")
    await continue_(page)
    assert "040 765 4321" in await page.locator("dl.check-answers").inner_text()
    await page.click("button[name=action][value=save]")
    await page.wait_for_load_state()
    found = re.search(r"/staff/participants/([0-9a-f-]{36})\?done=registered", page.url)
    assert found, page.url
    participant_id = found.group(1)
    assert await page.locator(".success").count() == 1
    consents = await page.locator("#consents-title + .table-wrap").inner_text()
    assert "2026-01" in consents
    assert await page.locator("#consents-title + .table-wrap .status-ok").count() == 3
    assert "+358407654321" in await page.locator("main").inner_text()  # stored as E.164
    await check_page(page, f"{shot}-profile-registered")
    # Found again from the front page by the e-mail address given.
    await page.goto(f"{stack.portal}/staff?q={email}")
    assert await page.locator(f".results a[href='/staff/participants/{participant_id}']").count()
    await page.goto(f"{stack.portal}/staff/participants/{participant_id}")

    # Record this participant's visit from the profile: they are filled in.
    await page.click(f"a[href='/staff/visits/new?participant={participant_id}']")
    await page.wait_for_load_state()
    assert "Aino Testaaja" in await page.locator("main").inner_text()
    await check_page(page, f"{shot}-visit-known")
    await page.check("input[name=purpose][value=counselling]")
    await page.click("form[action='/staff/visits'] button[type=submit]")
    await page.wait_for_load_state()
    assert page.url.endswith(f"/staff/participants/{participant_id}?done=visit")

    # Register them to the language café: confirmed, shown on the profile.
    await page.select_option("#occurrence_id", cafe)
    await page.click(f"form[action='/staff/participants/{participant_id}/registrations'] button")
    await page.wait_for_load_state()
    assert page.url.endswith("?done=confirmed"), page.url
    assert await page.locator(f"a[href='/staff/occurrences/{cafe}']").count() == 1
    await check_page(page, f"{shot}-profile-booked")

    # The café's check-in list: they are there with a check-in button; check them in.
    await page.click(f"a[href='/staff/occurrences/{cafe}']")
    await page.wait_for_load_state()
    await check_page(page, f"{shot}-checkin-list")
    row = page.locator(".checkin-row").filter(
        has=page.locator(f"a[href='/staff/participants/{participant_id}']")
    )
    seats_before = await page.locator(".figures").inner_text()
    await row.locator("button").click()
    await page.wait_for_load_state()
    assert page.url.endswith("?done=checked_in"), page.url
    row = page.locator(".checkin-row").filter(
        has=page.locator(f"a[href='/staff/participants/{participant_id}']")
    )
    assert await row.locator(".status-ok").count() == 1
    assert await row.locator("button").count() == 0
    assert seats_before != await page.locator(".figures").inner_text()  # one more checked in
    # An anonymous walk-in counts too.
    await page.click("input[name=walk_in_guest] + button")
    await page.wait_for_load_state()
    assert page.url.endswith("?done=guest")
    await check_page(page, f"{shot}-checkin-done")

    # The service path shows the registration, the visit and (through Kafka) the attendance.
    async def attended() -> bool:
        await page.goto(f"{stack.portal}/staff/participants/{participant_id}")
        path = await page.locator("ol.timeline").inner_text()
        return bool(re.search(r"Osallistui tapahtumaan|Deltog i ett evenemang|Attended an", path))

    assert await wait_for(attended, timeout=40)
    await check_page(page, f"{shot}-profile-path")


@pytest.mark.parametrize("js", [True, False])
async def test_an_anonymous_visit_takes_at_most_three_clicks_from_staff(
    stack: Stack, new_page: NewPage, js: bool
) -> None:
    page = await new_page(js=js, phone=True)
    await sign_in_as(page, stack, "counsellor")
    await page.goto(f"{stack.portal}/staff")
    clicks = 0
    await page.click("a[href='/staff/visits/new']")
    clicks += 1
    await page.wait_for_load_state()
    await check_page(page, f"staff-visit-anonymous-js-{js}")
    await page.click("label[for=purpose-1]")  # job search, by its label as a finger would
    clicks += 1
    await page.click("form[action='/staff/visits'] button[type=submit]")
    clicks += 1
    await page.wait_for_load_state()
    assert clicks <= 3
    assert page.url.endswith("/staff?done=visit")
    assert await page.locator(".success").count() == 1
    await check_page(page, f"staff-visit-recorded-js-{js}")


@pytest.mark.parametrize("js", [True, False])
async def test_a_known_participants_visit_takes_three_clicks_too(
    stack: Stack, new_page: NewPage, js: bool
) -> None:
    amina = stack.person("participant", "Amina")
    page = await new_page(js=js, phone=True)
    await sign_in_as(page, stack, "counsellor")
    await page.goto(f"{stack.portal}/staff")
    clicks = 0
    await page.click("a[href='/staff/visits/new']")
    clicks += 1
    await page.wait_for_load_state()
    await page.fill("#who", amina["name"])  # typed, not clicked
    await page.click("label[for=purpose-7]")  # something else
    clicks += 1
    await page.click("form[action='/staff/visits'] button[type=submit]")
    clicks += 1
    await page.wait_for_load_state()
    assert clicks <= 3
    assert page.url.endswith("/staff?done=visit")
    # It is on her service path, as a visit about something else.
    await page.goto(f"{stack.portal}/staff/participants/{amina['subject']}")
    path = await page.locator("ol.timeline").inner_text()
    assert any("Kävi palvelupisteessä" in line and "Jokin muu" in line for line in path.split("\n"))
    # A name that matches several asks which one; one that matches nobody says so.
    await page.goto(f"{stack.portal}/staff/visits/new")
    await page.fill("#who", "a")
    await page.click("label[for=purpose-1]")
    await page.click("form[action='/staff/visits'] button[type=submit]")
    await page.wait_for_load_state()
    assert await page.locator(".error-summary a[href='#participant_id']").count() == 1
    await check_page(page, f"staff-visit-choose-js-{js}")
    await page.check(f"input[name=participant_id][value='{amina['subject']}']")
    await page.click("form[action='/staff/visits'] button[type=submit]")
    await page.wait_for_load_state()
    assert page.url.endswith("/staff?done=visit")
    await page.goto(f"{stack.portal}/staff/visits/new")
    await page.fill("#who", "zzzz qqqq")
    await page.click("label[for=purpose-1]")
    await page.click("form[action='/staff/visits'] button[type=submit]")
    await page.wait_for_load_state()
    assert await page.locator(".error-summary a[href='#who']").count() == 1
    await check_page(page, f"staff-visit-nobody-js-{js}")


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
async def test_every_staff_page_in_every_language(
    stack: Stack, new_page: NewPage, jwt_keys: tuple[Path, Path], lang: str
) -> None:
    cafe = await cafe_open_for_check_in(stack, jwt_keys)
    page = await new_page(lang=lang)
    await sign_in_as(page, stack, "counsellor")
    await page.goto(f"{stack.portal}/staff?lang={lang}")
    assert await page.locator("html").get_attribute("lang") == lang
    await check_page(page, f"staff-front-{lang}")
    someone = stack.person("participant")
    await page.goto(f"{stack.portal}/staff?q={someone['name'].split()[0]}")
    assert someone["name"] in await page.locator(".results").inner_text()
    await check_page(page, f"staff-search-{lang}")
    await page.goto(f"{stack.portal}/staff?q=zzzqqq")
    await check_page(page, f"staff-search-none-{lang}")
    await page.goto(f"{stack.portal}/staff/visits/new")
    await page.click("form[action='/staff/visits'] button[type=submit]")  # nothing chosen
    await page.wait_for_load_state()
    assert await page.locator(".error-summary a[href='#purpose']").count() == 1
    await check_page(page, f"staff-visit-errors-{lang}")
    await page.goto(f"{stack.portal}/staff/participants/new")
    await fill_registration(
        page, f"kieli.{lang}.{uuid.uuid4().hex[:6]}@example.fi", check=f"staff-register-{lang}"
    )
    await page.goto(f"{stack.portal}/staff/participants/{someone['subject']}")
    await check_page(page, f"staff-profile-{lang}")
    await page.goto(f"{stack.portal}/staff/occurrences/{cafe}?q={someone['name'].split()[0]}")
    await check_page(page, f"staff-checkin-{lang}")


@pytest.mark.parametrize("role", ["participant", "employer"])
async def test_other_roles_get_the_forbidden_page(
    stack: Stack, new_page: NewPage, role: str
) -> None:
    page = await new_page()
    await sign_in_as(page, stack, role)
    for path in ("/staff", "/staff/participants/new", "/staff/visits/new"):
        answer = await page.goto(f"{stack.portal}{path}")
        assert answer is not None
        assert answer.status == 403
        assert await page.locator("h1").inner_text() == "Et voi avata tätä sivua"
    await check_page(page, f"staff-forbidden-{role}")


async def test_bad_input_gets_a_clear_answer_never_a_500(
    stack: Stack, new_page: NewPage, jwt_keys: tuple[Path, Path]
) -> None:
    cafe = await cafe_open_for_check_in(stack, jwt_keys)
    page = await new_page(lang="en")
    await sign_in_as(page, stack, "counsellor")
    await page.goto(f"{stack.portal}/staff?lang=en")
    csrf = next(c["value"] for c in await page.context.cookies() if c["name"] == "voimala_csrf")
    request = page.context.request

    async def post(path: str, form: dict[str, str]) -> tuple[int, str]:
        answer = await request.post(
            f"{stack.portal}{path}", form={"csrf_token": csrf, **form}, max_redirects=0
        )
        return answer.status, await answer.text()

    # Names of control characters only are empty names.
    status, body = await post(
        "/staff/participants/new", {"step": "name", "given_name": "\x01\x1b", "family_name": " "}
    )
    assert status == 400
    assert "Enter the first name" in body
    assert "Enter the last name" in body
    # A NUL character is refused before any page sees it (the kit's middleware), never a 500.
    status, body = await post(
        "/staff/participants/new", {"step": "name", "given_name": "Ai\x00no", "family_name": "T"}
    )
    assert status in (400, 422)
    assert "NUL" in body or "<h1>" in body  # the kit's problem, or the portal's page for it
    # A huge value is cut and refused, not stored.
    status, body = await post(
        "/staff/participants/new", {"step": "name", "given_name": "A" * 100_000, "family_name": "B"}
    )
    assert status in (400, 413)
    assert "500" not in body[:200]
    status, body = await post(
        "/staff/participants/new", {"step": "birth", "birth_date": "31.2.2000"}
    )
    assert status == 400
    assert "Enter a real date" in body
    status, body = await post("/staff/participants/new", {"step": "birth", "birth_year": "20x0"})
    assert status == 400
    assert "four digits" in body
    # The check page re-checks everything the browser sent back (hidden fields can be edited).
    status, body = await post(
        "/staff/participants/new",
        {"step": "check", "given_name": "A", "family_name": "B", "consent": "matching"},
    )
    assert status == 400
    assert "There is a problem" in body
    # The same e-mail twice: the second time a clear message and a link to the first.
    answers = {
        "step": "check",
        **dict.fromkeys(["phone", "birth_year", "referral_reason", "referral_source"], ""),
        **dict.fromkeys(["education_level", "skills", "lang1", "level1", "lang2", "level2"], ""),
        **dict.fromkeys(["lang3", "level3"], ""),
        "given_name": "Kaksi",
        "family_name": "Kertaa",
        "email": f"kaksi.{uuid.uuid4().hex[:6]}@example.fi",
        "preferred_language": "sv",
        "preferred_channel": "email",
        "birth_date": "1.1.1990",
        "municipality": "Salo",
        "subsidy_days": "640",
        "consent": "registry",
    }
    first = await request.post(
        f"{stack.portal}/staff/participants/new",
        form={"csrf_token": csrf, **answers},
        max_redirects=0,
    )
    assert first.status == 303
    existing = first.headers["location"].split("?")[0]
    status, body = await post("/staff/participants/new", answers)
    assert status == 400
    assert "already registered" in body
    assert f'href="{existing}"' in body
    # What only the participants service knows is wrong (a 422) is shown at its field.
    status, body = await post(
        "/staff/participants/new",
        {**answers, "email": "", "preferred_channel": "sms", "phone": "00000"},
    )
    assert status == 400
    assert 'href="#phone"' in body
    assert "The phone number is not valid" in body
    # A visit about nothing we know, or for too many people.
    status, body = await post("/staff/visits", {"purpose": "sleeping"})
    assert status == 400
    assert "Choose what the visit was about" in body
    status, body = await post("/staff/visits", {"purpose": "other", "count": "1000000"})
    assert status == 400
    assert "from 1 to 100" in body
    # Ids that are not UUIDs, in a path or a form.
    answer = await request.get(f"{stack.portal}/staff/participants/%00")
    assert answer.status in (400, 404)
    for path in (
        "/staff/participants/not-a-uuid",
        "/staff/occurrences/123",
        f"/staff/participants/{uuid.uuid4()}",
    ):
        answer = await request.get(f"{stack.portal}{path}")
        assert answer.status == 404, path
        assert "Page not found" in await answer.text() or "not found" in (await answer.text())
    status, _ = await post(f"/staff/occurrences/{cafe}/check-in", {"registration_id": "junk"})
    assert status == 303
    status, _ = await post(
        f"/staff/participants/{uuid.uuid4()}/registrations", {"occurrence_id": "x"}
    )
    assert status == 303
    status, _ = await post("/staff/participants/nope/registrations", {"occurrence_id": cafe})
    assert status == 404
    answer = await request.get(f"{stack.portal}/staff?q=%01%1b")
    assert answer.status == 200
    answer = await request.get(f"{stack.portal}/staff/visits/new?participant=zzz")
    assert answer.status == 200
    # Without its CSRF token a form is refused.
    answer = await request.post(
        f"{stack.portal}/staff/visits", form={"purpose": "other"}, max_redirects=0
    )
    assert answer.status == 403
