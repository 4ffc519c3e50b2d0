"""A mentor in a real browser: accepts a mentee in one click on a phone, declines another
(the reason optional), pauses and resumes; and answers a proposal from a real e-mail's signed
link, on the portal's page that says what is being answered. JavaScript on and off; axe on
every page in Finnish, Swedish and English.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.async_api import expect
from voimala_contracts.vocabulary import vocabulary
from voimala_kit.testing import wait_for

from .conftest import NewPage, Stack, check_page, sign_in_as

pytestmark = pytest.mark.browser
MENTOR = "Kari"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _mentor(stack: Stack, token: Callable[..., str]) -> dict[str, Any]:
    """The demo mentor, with room for every mentee these tests propose."""
    person = stack.person("mentor", MENTOR)
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.get(
            f"{stack.url('matching')}/mentors/me",
            headers=_auth(token("mentor", subject=person["subject"])),
        )
        assert r.status_code == 200, r.text
        mentor: dict[str, Any] = r.json()
        r = await client.put(
            f"{stack.url('matching')}/mentors/{mentor['id']}/availability",
            json={"available": True, "capacity": 60},
            headers=_auth(token("coordinator")),
        )
        assert r.status_code == 200, r.text
    return mentor


async def _proposed_mentee(
    stack: Stack, token: Callable[..., str], mentor: dict[str, Any]
) -> dict[str, Any]:
    """A participant who wants a mentor from the mentor's field, proposed by a coordinator."""
    tag = uuid.uuid4().hex[:6]
    person = {
        "given_name": f"Niko{tag}",
        "family_name": f"Mentoroitava{tag}",
        "email": f"niko.{tag}@example.fi",
        "preferred_language": "fi",
        "birth_year": 1990,
        "municipality": "Salo",
        "skills": [mentor["fields"][0]],
        "languages": [{"code": "fi", "level": "native"}],
        "goals": "Työ elektroniikka-alalta",
        "wants_mentor": True,
        "matching_consent": True,
    }
    coordinator = _auth(token("coordinator"))
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.post(
            f"{stack.url('participants')}/participants", json=person, headers=coordinator
        )
        assert r.status_code == 201, r.text
        pid = r.json()["id"]

        async def proposed() -> dict[str, Any] | None:
            r = await client.post(
                f"{stack.url('matching')}/proposals",
                json={"participant_id": pid, "mentor_id": mentor["id"]},
                headers=coordinator,
            )
            if r.status_code == 201:
                made: dict[str, Any] = r.json()
                return made
            if r.status_code == 409:  # the assignment run got there first: find it
                r = await client.get(
                    f"{stack.url('matching')}/proposals",
                    params={"participant_id": pid},
                    headers=coordinator,
                )
                mine = [p for p in r.json()["items"] if p["mentor_id"] == mentor["id"]]
                return mine[0] if mine else None
            assert r.status_code == 404, r.text  # matching has not seen the profile yet
            return None

        proposal: dict[str, Any] = await wait_for(proposed, timeout=60, interval=1)
    return person | {"id": pid, "proposal": proposal}


def _ref(participant_id: str) -> str:
    return participant_id.replace("-", "")[:6].upper()


@pytest.mark.parametrize("js", [True, False])
async def test_a_mentor_accepts_a_mentee_in_one_click_on_a_phone(
    stack: Stack, new_page: NewPage, token: Callable[..., str], js: bool
) -> None:
    mentor = await _mentor(stack, token)
    accepted = await _proposed_mentee(stack, token, mentor)
    declined = await _proposed_mentee(stack, token, mentor)
    page = await new_page(js=js, phone=True)
    await sign_in_as(page, stack, "mentor", MENTOR)
    await page.goto(f"{stack.portal}/mentor")
    await check_page(page, f"mentor-front-phone-js-{js}")

    card = page.locator("li.match", has_text=f"Mentoroitava {_ref(accepted['id'])}")
    said = await card.text_content() or ""
    # the shared field in the page's language (the vocabulary's Finnish label)
    assert f"yhteinen ala: {vocabulary().label(mentor['fields'][0], 'fi')}" in said
    for secret in (accepted["given_name"], accepted["family_name"], accepted["email"]):
        assert secret not in await page.content()
    # One tap: the button is big enough to hit with a thumb, and nothing asks again.
    button = card.get_by_role("button", name=re.compile("^Hyväksy"))
    box = await button.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    assert box["width"] >= 44
    await button.click()
    await page.wait_for_load_state()
    await expect(page.locator(".success")).to_contain_text("Hyväksyit mentoroitavan")
    mentees = page.locator("section", has=page.get_by_role("heading", name="Mentoroitavasi"))
    await expect(mentees).to_contain_text(f"Mentoroitava {_ref(accepted['id'])}")
    await check_page(page, f"mentor-accepted-phone-js-{js}")

    # Decline with a reason (the reason is optional; it sits in the same form).
    card = page.locator("li.match", has_text=f"Mentoroitava {_ref(declined['id'])}")
    await card.locator("summary").click()
    await card.get_by_label("Syy (vapaaehtoinen)").fill("Aikatauluni ei nyt riitä.")
    await card.get_by_role("button", name=re.compile("^Hylkää")).click()
    await page.wait_for_load_state()
    await expect(page.locator(".success")).to_contain_text("Hylkäsit ehdotuksen")
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.get(
            f"{stack.url('matching')}/proposals/{declined['proposal']['id']}",
            headers=_auth(token("coordinator")),
        )
        assert r.json()["status"] == "declined"
        assert r.json()["reason"] == "Aikatauluni ei nyt riitä."
        r = await client.get(
            f"{stack.url('matching')}/proposals/{accepted['proposal']['id']}",
            headers=_auth(token("coordinator")),
        )
        assert r.json()["status"] == "accepted"

    # Pause and resume.
    await page.get_by_role("button", name="Pidä taukoa mentoroinnista").click()
    await page.wait_for_load_state()
    await expect(page.locator(".success")).to_contain_text("Mentorointi on tauolla")
    await check_page(page, f"mentor-paused-phone-js-{js}")
    await page.get_by_role("button", name="Jatka mentorointia").click()
    await page.wait_for_load_state()
    await expect(page.locator(".success")).to_contain_text("Mentorointi jatkuu")


@pytest.mark.parametrize("js", [True, False])
async def test_the_e_mail_link_says_what_is_answered_and_answers_once(
    stack: Stack, new_page: NewPage, token: Callable[..., str], js: bool
) -> None:
    mentor = await _mentor(stack, token)
    before = len(stack.mailbox.to(mentor["email"]))
    mentee = await _proposed_mentee(stack, token, mentor)
    ref = _ref(mentee["id"])

    async def for_this_proposal() -> list[str] | None:
        """The signed links of the e-mail about this proposal (the payload is readable)."""
        links = [
            link
            for message in stack.mailbox.to(mentor["email"])[before:]
            for link in stack.mailbox.links(message)
            if "/actions/" in link and _payload(link)["p"] == mentee["proposal"]["id"]
        ]
        return links or None

    links: list[str] = await wait_for(for_this_proposal, timeout=90, interval=1)
    accept = next(x for x in links if _payload(x)["a"] == "accept")
    assert accept.startswith(stack.portal + "/actions/")  # the e-mail leads to the portal

    page = await new_page(js=js, phone=True)
    response = await page.goto(accept)
    assert response is not None
    assert response.status == 200
    await expect(page.locator("h1")).to_have_text("Hyväksy ehdotus")
    main = page.locator("main")
    await expect(main).to_contain_text(f"osallistuja {ref}")
    await expect(main).to_contain_text(
        f"yhteinen ala: {vocabulary().label(mentor['fields'][0], 'fi')}"
    )
    assert mentee["given_name"] not in await page.content()
    await check_page(page, f"answer-accept-phone-js-{js}")
    # The page alone answers nothing (mail scanners open links): the proposal still waits.
    assert await _status(stack, token, mentee["proposal"]["id"]) == "proposed"
    await page.get_by_role("button", name="Hyväksy ehdotus").click()
    await page.wait_for_load_state()
    await expect(page.locator("h1")).to_have_text("Kiitos, vastauksesi tallennettiin")
    await check_page(page, f"answer-done-js-{js}")

    async def accepted() -> bool | None:
        status = await _status(stack, token, mentee["proposal"]["id"])
        return True if status == "accepted" else None

    await wait_for(accepted, timeout=60, interval=1)
    # The same link again: already answered, said in the portal's layout.
    response = await page.goto(accept)
    assert response is not None
    assert response.status == 409
    await expect(page.locator("h1")).to_have_text("Tähän ehdotukseen on jo vastattu")
    await check_page(page, f"answer-already-js-{js}")


def _payload(link: str) -> dict[str, Any]:
    """A signed link's content (base64url JSON before the signature: readable, not secret)."""
    payload = link.rsplit("/actions/", 1)[1].split(".", maxsplit=1)[0]
    body: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return body


async def _status(stack: Stack, token: Callable[..., str], proposal_id: str) -> str:
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.get(
            f"{stack.url('matching')}/proposals/{proposal_id}",
            headers=_auth(token("coordinator")),
        )
    return str(r.json()["status"])


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
async def test_the_mentor_and_answer_pages_in_every_language(
    stack: Stack, new_page: NewPage, token: Callable[..., str], lang: str
) -> None:
    mentor = await _mentor(stack, token)
    await _proposed_mentee(stack, token, mentor)
    page = await new_page(lang=lang, phone=lang == "en")
    await sign_in_as(page, stack, "mentor", MENTOR)
    await page.goto(f"{stack.portal}/mentor?lang={lang}")
    assert await page.locator("html").get_attribute("lang") == lang
    assert await page.locator("li.match").count() >= 1
    await check_page(page, f"mentor-front-{lang}")
    await page.goto(f"{stack.portal}/mentor/messages")
    await check_page(page, f"mentor-messages-{lang}")
    # The answer pages that need no live proposal: a link that is not one of ours.
    response = await page.goto(f"{stack.portal}/actions/not-a-real-link.abc")
    assert response is not None
    assert response.status == 400
    await check_page(page, f"answer-invalid-{lang}")
    long = "a" * 5000
    response = await page.goto(f"{stack.portal}/actions/{long}")
    assert response is not None
    assert response.status in (400, 404, 414)
