"""A participant's own page in a real browser: language, consents, a cancelled registration, a
read message and the contact-sharing consent on an accepted match, with JavaScript on and off;
axe on every page in Finnish, Swedish and English; and no way into another participant's data.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect
from voimala_kit.testing import wait_for

from .conftest import (
    NewPage,
    Stack,
    check_page,
    offer_for_sign_in,
    sign_in_as,
    upcoming_occurrence,
)

pytestmark = pytest.mark.browser
Token = Callable[..., str]


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- what the journey needs, made through the services' APIs --------------------------------


async def _participant(stack: Stack, token: Token) -> dict[str, Any]:
    """A new participant that the development sign-in offers (added to its people file), with
    a skill nobody else has, consenting to matching and statistics."""
    tag = uuid.uuid4().hex[:6]
    skill = f"me-taito-{tag}"
    person = {
        "given_name": f"Iida{tag}",
        "family_name": f"Omanen{tag}",
        "email": f"iida.{tag}@example.fi",
        "preferred_language": "fi",
        "preferred_channel": "in_app",
        "birth_year": 1990,
        "municipality": "Salo",
        "skills": [skill],
        "languages": [{"code": "fi", "level": "native"}],
        "availability": ["full_time"],
        "consents": {"matching": True, "statistics": True},
    }
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.post(
            f"{stack.url('participants')}/participants",
            json=person,
            headers=_auth(token("coordinator")),
        )
        assert r.status_code == 201, r.text
        pid = r.json()["id"]

        async def known() -> bool | None:
            r = await client.get(
                f"{stack.url('matching')}/profiles/{pid}", headers=_auth(token("coordinator"))
            )
            return True if r.status_code == 200 else None

        await wait_for(known, timeout=60)
    name = f"{person['given_name']} {person['family_name']}"
    offer_for_sign_in(stack, "participant", pid, name)
    return person | {"id": pid, "skill": skill, "name": name}


async def _upcoming_occurrence(stack: Stack) -> dict[str, Any]:
    """An occurrence with seats to register for, at least two days ahead."""
    async with httpx.AsyncClient(timeout=10) as client:
        return await upcoming_occurrence(client, stack)


async def _register(stack: Stack, token: Token, person: dict[str, Any]) -> dict[str, Any]:
    occ = await _upcoming_occurrence(stack)
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.post(
            f"{stack.url('events')}/occurrences/{occ['occurrence_id']}/registrations",
            json={},
            headers=_auth(token("participant", subject=person["id"])),
        )
        assert r.status_code == 201, r.text
    return r.json() | {"occurrence": occ}  # type: ignore[no-any-return]


async def _accepted_match(stack: Stack, token: Token, person: dict[str, Any]) -> dict[str, Any]:
    """An opening of a demo employer that only this person fits, proposed and accepted."""
    employer = stack.person("employer", "Riikka")
    as_employer = _auth(token("employer", subject=employer["subject"], org=employer["org"]))
    title = f"Varastotyöntekijä {person['skill'][-6:]}"
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.post(
            f"{stack.url('matching')}/partners/{employer['org']}/openings",
            json={"type": "job", "title": title, "required_skills": [person["skill"]]},
            headers=as_employer,
        )
        assert r.status_code == 201, r.text
        opening_id = r.json()["id"]

        async def proposed() -> dict[str, Any] | None:
            # The engine may have proposed already (opening.posted.v1); asking again is harmless.
            await client.post(
                f"{stack.url('matching')}/openings/{opening_id}/proposals",
                headers=_auth(token("coordinator")),
            )
            r = await client.get(
                f"{stack.url('matching')}/proposals",
                params={"opening_id": opening_id},
                headers=_auth(token("participant", subject=person["id"])),
            )
            items = r.json()["items"]
            return items[0] if items else None

        proposal = await wait_for(proposed, timeout=60, interval=1)
        r = await client.post(
            f"{stack.url('matching')}/proposals/{proposal['id']}/accept", headers=as_employer
        )
        assert r.status_code == 200, r.text
    return proposal | {"title": title}  # type: ignore[no-any-return]


async def _messages(stack: Stack, token: Token, person: dict[str, Any]) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.get(
            f"{stack.url('notifications')}/recipients/{person['id']}/messages",
            headers=_auth(token("participant", subject=person["id"])),
        )
        assert r.status_code == 200, r.text
        return r.json()["items"]  # type: ignore[no-any-return]


async def _api(stack: Stack, token: Token, service: str, path: str) -> Any:
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.get(f"{stack.url(service)}{path}", headers=_auth(token("coordinator")))
        assert r.status_code == 200, r.text
        return r.json()


async def _submit(page: Page, button: str) -> None:
    await page.get_by_role("button", name=button).click()
    await page.wait_for_load_state()


# --- the journey ----------------------------------------------------------------------------


@pytest.mark.parametrize("js", [True, False])
async def test_a_participant_looks_after_their_own_page(
    stack: Stack, new_page: NewPage, token: Token, js: bool
) -> None:
    person = await _participant(stack, token)
    registration = await _register(stack, token, person)
    match = await _accepted_match(stack, token, person)
    await wait_for(lambda: _messages(stack, token, person), timeout=60, interval=1)

    page = await new_page(js=js)
    await sign_in_as(page, stack, "participant", person["name"])
    assert page.url.endswith("/me")
    main = page.locator("main")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Omat tiedot")
    await expect(main).to_contain_text(person["email"])
    await expect(main).to_contain_text("1 tuleva ilmoittautuminen")
    await check_page(page, f"me-front-js-{js}")

    # Contact and language: the language of messages becomes the page's language too.
    await page.get_by_role("link", name="Muuta yhteystietojasi tai kieltä").click()
    await page.wait_for_load_state()
    await page.get_by_label("Puhelinnumero").fill("040 765 4321")
    await page.get_by_label("englanti").check()
    await check_page(page, f"me-contact-js-{js}")
    await _submit(page, "Tallenna")
    assert await page.locator("html").get_attribute("lang") == "en"
    await expect(page.locator(".success")).to_contain_text("Your details were saved")
    await expect(main).to_contain_text("+358407654321")
    await check_page(page, f"me-saved-en-js-{js}")
    stored = await _api(stack, token, "participants", f"/participants/{person['id']}")
    assert stored["preferred_language"] == "en"
    assert stored["phone"] == "+358407654321"

    # Consents: withdraw one and give it again; the history keeps both with the text version.
    await (
        page.get_by_role("navigation", name="My page").get_by_role("link", name="Consents").click()
    )
    await page.wait_for_load_state()
    statistics = page.locator("#statistics")
    await expect(statistics).to_contain_text("You have given this consent.")
    await expect(statistics).to_contain_text("text version 2026-01")
    await _submit(page, "Withdraw consent: Statistics")
    await expect(page.locator(".success")).to_contain_text("Your choice was saved")
    await expect(page.locator("#statistics")).to_contain_text("You have not given this consent.")
    await check_page(page, f"me-consents-withdrawn-js-{js}")
    await _submit(page, "Give consent: Statistics")
    await expect(page.locator("#statistics")).to_contain_text("You have given this consent.")
    consents = await _api(stack, token, "participants", f"/participants/{person['id']}/consents")
    statistics_records = [c for c in consents["history"] if c["purpose"] == "statistics"]
    assert [c["granted"] for c in statistics_records] == [True, False, True]  # newest first
    assert {c["text_version"] for c in statistics_records} == {"2026-01"}

    # A registration cancelled after a confirmation page.
    await page.goto(f"{stack.portal}/me/registrations")
    title = registration["occurrence"]["title"]["en"] or registration["occurrence"]["title"]["fi"]
    card = page.locator("section.card", has=page.get_by_role("heading", name=title))
    await check_page(page, f"me-registrations-js-{js}")
    await card.get_by_role("link", name=re.compile("^Cancel registration")).click()
    await page.wait_for_load_state()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your registration?")
    await check_page(page, f"me-cancel-confirm-js-{js}")
    await _submit(page, "Yes, cancel my registration")
    await expect(page.locator(".success")).to_contain_text("Your registration was cancelled")
    mine = await _api(stack, token, "events", f"/participants/{person['id']}/registrations")
    assert {r["id"]: r["status"] for r in mine["items"]}[registration["id"]] == "cancelled"

    # A message read.
    await page.goto(f"{stack.portal}/me/messages")
    first = page.locator("article.message.unread").first
    message_id = (await first.get_attribute("id") or "").removeprefix("message-")
    await check_page(page, f"me-messages-js-{js}")
    await first.get_by_role("button", name=re.compile("^Mark as read")).click()
    await page.wait_for_load_state()
    await expect(page.locator(f"#message-{message_id}")).not_to_have_class(re.compile("unread"))
    read = {m["id"]: m["read_at"] for m in await _messages(stack, token, person)}
    assert read[message_id] is not None

    # The contact-sharing consent, on the match that waits for it.
    await page.goto(f"{stack.portal}/me/matches")
    card = page.locator(f"#match-{match['id']}")
    await expect(card).to_contain_text("Accepted: waiting for your consent")
    await expect(card).to_contain_text(person["email"])  # what they will see, said plainly
    await check_page(page, f"me-matches-js-{js}")
    await card.get_by_role("button", name=re.compile("^Share my contact details")).click()
    await page.wait_for_load_state()
    summary = page.locator(".error-summary")
    await expect(summary).to_contain_text("Tick the box")
    assert (await page.title()).startswith("Error:")
    await check_page(page, f"me-matches-error-js-{js}")
    card = page.locator(f"#match-{match['id']}")
    await card.get_by_label("I agree to share my contact details with them").check()
    await card.get_by_role("button", name=re.compile("^Share my contact details")).click()
    await page.wait_for_load_state()
    await expect(page.locator(".success")).to_contain_text("your consent was recorded")

    async def confirmed() -> bool | None:
        await page.goto(f"{stack.portal}/me/matches")
        text = await page.locator(f"#match-{match['id']}").inner_text()
        return True if "Confirmed: your contact details were shared" in text else None

    await wait_for(confirmed, timeout=60, interval=1)
    await check_page(page, f"me-matches-confirmed-js-{js}")
    shown = await _api(stack, token, "matching", f"/proposals/{match['id']}")
    assert shown["status"] == "confirmed"


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
async def test_every_page_of_me_in_every_language(
    stack: Stack, new_page: NewPage, lang: str
) -> None:
    page = await new_page(lang=lang)
    await sign_in_as(page, stack, "participant", "Amina")
    for path in ["/me", "/me/contact", "/me/consents", "/me/registrations", "/me/messages"]:
        await page.goto(f"{stack.portal}{path}?lang={lang}")
        assert await page.locator("html").get_attribute("lang") == lang
        await check_page(page, f"me{path.replace('/', '-')}-{lang}")
    await page.goto(f"{stack.portal}/me/matches?lang={lang}")
    await check_page(page, f"me-matches-{lang}")
    cancel = page.locator("a[href$='/cancel']").first
    await page.goto(f"{stack.portal}/me/registrations")
    if await cancel.count():
        await cancel.click()
        await page.wait_for_load_state()
        await check_page(page, f"me-cancel-{lang}")
    # Sizes that must work too: a 390-pixel phone.
    phone = await new_page(lang=lang, phone=True)
    await sign_in_as(phone, stack, "participant", "Amina")
    await phone.goto(f"{stack.portal}/me/consents")
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone: {width}px"
    await check_page(phone, f"me-consents-phone-{lang}")


# --- nobody else's data ---------------------------------------------------------------------


async def _csrf(page: Page) -> str:
    cookies = await page.context.cookies()
    return next(c["value"] for c in cookies if c["name"] == "voimala_csrf")


async def test_a_participant_cannot_reach_another_participants_data(
    stack: Stack, new_page: NewPage, token: Token
) -> None:
    me = await _participant(stack, token)
    other = await _participant(stack, token)
    theirs = await _register(stack, token, other)
    their_match = await _accepted_match(stack, token, other)
    their_messages = await wait_for(lambda: _messages(stack, token, other), timeout=60)

    page = await new_page()
    await sign_in_as(page, stack, "participant", me["name"])
    portal = stack.portal

    # No id of a participant in any URL of /me: their registration is simply not found here.
    r = await page.goto(f"{portal}/me/registrations/{theirs['id']}/cancel")
    assert r is not None
    assert r.status == 404
    assert other["name"] not in await page.content()
    await check_page(page, "me-others-registration")
    csrf = await _csrf(page)
    posted = await page.request.post(
        f"{portal}/me/registrations/{theirs['id']}/cancel", form={"csrf_token": csrf}
    )
    assert posted.status == 404
    # Their match: matching answers 403 for a proposal about someone else.
    posted = await page.request.post(
        f"{portal}/me/matches/{their_match['id']}/share-contact",
        form={"csrf_token": csrf, "share": "yes"},
    )
    assert posted.status == 403
    assert "You cannot open this page" in await posted.text() or "Et voi avata" in (
        await posted.text()
    )
    # Their message: not in my inbox.
    posted = await page.request.post(
        f"{portal}/me/messages/{their_messages[0]['id']}/read", form={"csrf_token": csrf}
    )
    assert posted.status == 404
    # Bad ids in URLs: a page that does not exist, never a 500.
    r = await page.goto(f"{portal}/me/registrations/not-a-uuid/cancel")
    assert r is not None
    assert r.status == 404
    r = await page.goto(f"{portal}/me/registrations/%00/cancel")
    assert r is not None
    assert r.status in (400, 404)  # a NUL is refused before any page sees it

    # Forged form fields naming the other participant are never read.
    forged = await page.request.post(
        f"{portal}/me/consents",
        form={
            "csrf_token": csrf,
            "purpose": "statistics",
            "granted": "no",
            "participant_id": other["id"],
        },
        max_redirects=0,
    )
    assert forged.status == 303
    forged = await page.request.post(
        f"{portal}/me/contact",
        form={
            "csrf_token": csrf,
            "participant_id": other["id"],
            "email": me["email"],
            "phone": "040 111 2233",
            "preferred_language": "fi",
        },
        max_redirects=0,
    )
    assert forged.status == 303
    mine = await _api(stack, token, "participants", f"/participants/{me['id']}/consents")
    theirs_now = await _api(stack, token, "participants", f"/participants/{other['id']}/consents")
    current = {c["purpose"]: c["granted"] for c in mine["current"]}
    their_current = {c["purpose"]: c["granted"] for c in theirs_now["current"]}
    assert current["statistics"] is False
    assert their_current["statistics"] is True
    their_record = await _api(stack, token, "participants", f"/participants/{other['id']}")
    assert their_record["phone"] is None
    mine_record = await _api(stack, token, "participants", f"/participants/{me['id']}")
    assert mine_record["phone"] == "+358401112233"
    their_regs = await _api(stack, token, "events", f"/participants/{other['id']}/registrations")
    assert {r["id"]: r["status"] for r in their_regs["items"]}[theirs["id"]] == "confirmed"

    # Another role has no /me at all.
    staff = await new_page()
    await sign_in_as(staff, stack, "ops")
    r = await staff.goto(f"{portal}/me")
    assert r is not None
    assert r.status == 403
