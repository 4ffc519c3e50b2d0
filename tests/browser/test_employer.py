"""An employer in a real browser: posts an opening (form, check your answers, posted), sees
its candidates explained in words, asks for proposals, accepts one, and sees the contact only
once the participant has consented; records the outcome. Employer B never sees A's opening.
Every journey with JavaScript on and off; axe on every page in Finnish, Swedish and English.
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
from playwright.async_api import Page, expect
from voimala_kit.testing import wait_for

from .conftest import (
    NewPage,
    Stack,
    check_page,
    offer_for_sign_in,
    sign_in_as,
    sign_in_by_link,
)

pytestmark = pytest.mark.browser


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _participant(stack: Stack, token: Callable[..., str], skill: str) -> dict[str, Any]:
    """A consenting participant with a skill nobody else has, once matching knows them."""
    tag = uuid.uuid4().hex[:6]
    person = {
        "given_name": f"Veera{tag}",
        "family_name": f"Testinen{tag}",
        "email": f"veera.{tag}@example.fi",
        "preferred_language": "fi",
        "birth_year": 1985,
        "municipality": "Salo",
        "skills": [skill, "customer service"],
        "languages": [{"code": "fi", "level": "C1"}],
        "availability": ["full_time"],
        "matching_consent": True,
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
    return person | {"id": pid}


async def _post_opening(page: Page, stack: Stack, title: str, skill: str, js: bool) -> str:
    """Through the form and its check-your-answers step; returns the opening's URL."""
    await page.goto(f"{stack.portal}/employer")
    await check_page(page, f"employer-front-js-{js}")
    await page.get_by_role("link", name="Julkaise uusi paikka").click()
    await page.wait_for_load_state()
    # Sent empty first: an error summary that links to the fields, status 400.
    async with page.expect_response(lambda r: r.request.method == "POST") as sent:
        await page.get_by_role("button", name="Jatka").click()
    assert (await sent.value).status == 400
    assert (await page.title()).startswith("Virhe:")
    summary = page.locator(".error-summary")
    await expect(summary.get_by_role("link", name="Valitse paikan tyyppi")).to_have_attribute(
        "href", "#type"
    )
    await check_page(page, f"employer-new-errors-js-{js}")
    await page.get_by_label("Työkokeilu").check()
    await page.fill("#title", title)
    await page.fill("#description", "Asennusta ja testausta Salon verstaalla.")
    await page.fill("#required_skills", f"{skill}\ntrukkikortti")
    await page.fill("#nice_skills", "customer service")
    await page.select_option("#language_1", "fi")
    await page.select_option("#level_1", "B2")
    await page.select_option("#hours", "full_time")
    await page.fill("#municipality", "Salo")
    await page.fill("#places", "1")
    await page.get_by_role("button", name="Jatka").click()
    await page.wait_for_load_state()
    await expect(page.locator("h1")).to_have_text("Tarkista paikka ennen julkaisua")
    body = await page.locator("dl.summary").inner_text()
    assert title in body
    assert "suomi B2" in body
    await check_page(page, f"employer-check-js-{js}")
    await page.get_by_role("button", name="Julkaise paikka").click()
    await page.wait_for_load_state()
    await expect(page.locator("h1")).to_have_text(title)
    assert "Paikka julkaistiin" in await page.locator(".success").inner_text()
    return page.url.split("?")[0]


@pytest.mark.parametrize(
    ("js", "employer"),
    [
        (True, "heikki.rantanen@perniontilit.example"),
        (False, "jukka.halonen@halikonpuutarha.example"),
    ],
)
async def test_an_employer_posts_accepts_and_sees_the_contact_after_consent(
    stack: Stack, new_page: NewPage, token: Callable[..., str], js: bool, employer: str
) -> None:
    skill = f"piirilevyjuotos {uuid.uuid4().hex[:6]}"
    person = await _participant(stack, token, skill)
    page = await new_page(js=js)
    # Signed in by the link e-mailed to the contact person (read from the SMTP server).
    await sign_in_by_link(page, stack, employer)
    assert page.url.endswith("/employer")
    title = f"Elektroniikka-asentaja {uuid.uuid4().hex[:4]}"
    opening_url = await _post_opening(page, stack, title, skill, js)

    # The candidate, explained as a person would say it, without any personal data: how many
    # of the required skills, never which the person lacks (issue 14: nothing about the person).
    candidates = page.locator("section", has=page.get_by_role("heading", name="Parhaat ehdokkaat"))
    card = candidates.locator("li.card").first
    said = await card.text_content() or ""  # as written (the page capitalises by CSS)
    assert "vaadituista taidoista 1/2" in said
    assert "puuttuu" not in said
    assert "trukkikortti" not in said
    assert "kielitaito: suomi C1 (vaaditaan B2)" in said
    assert "asuinkunta: Salo" in said
    for secret in (person["given_name"], person["family_name"], person["email"]):
        assert secret not in await page.content()
    await check_page(page, f"employer-opening-js-{js}")

    await page.get_by_role("button", name="Pyydä ehdokkaita ohjelmalta").click()
    await page.wait_for_load_state()
    proposal = page.locator("li.match").first
    await expect(proposal).to_contain_text("Odottaa vastaustanne")
    await check_page(page, f"employer-proposed-js-{js}")
    await proposal.get_by_role("button", name=re.compile("^Hyväksy")).click()
    await page.wait_for_load_state()
    await expect(page.locator(".success")).to_contain_text("Hyväksyitte ehdokkaan")
    await expect(page.locator("li.match").first).to_contain_text("odottaa, että osallistuja")
    assert person["email"] not in await page.content()
    await check_page(page, f"employer-accepted-js-{js}")

    # The participant consents on their own page, in a browser of their own.
    own = await new_page(js=js, phone=True)
    name = f"{person['given_name']} {person['family_name']}"
    offer_for_sign_in(stack, "participant", person["id"], name)
    await sign_in_as(own, stack, "participant", name)
    await own.goto(f"{stack.portal}/me/matches")
    await expect(own.locator("main")).to_contain_text(title)
    await own.get_by_label("Suostun jakamaan yhteystietoni heille").check()
    await own.get_by_role("button", name=re.compile("^Jaa yhteystietoni")).click()
    await own.wait_for_load_state()
    await expect(own.locator(".success")).to_be_visible()
    await check_page(own, f"employer-journey-me-consent-js-{js}")

    async def contact_shown() -> bool | None:
        await page.goto(opening_url)
        return True if person["email"] in await page.content() else None

    await wait_for(contact_shown, timeout=120, interval=2)
    contact = page.locator("li.match .contact")
    await expect(contact).to_contain_text(person["given_name"])
    await check_page(page, f"employer-contact-js-{js}")

    await page.select_option("li.match select", "trial_started")
    await page.get_by_role("button", name="Tallenna tulos").click()
    await page.wait_for_load_state()
    await expect(page.locator(".success")).to_contain_text("Tulos tallennettiin")
    await expect(page.locator("li.match").first).to_contain_text("Työkokeilu alkoi")

    await page.goto(f"{stack.portal}/employer/messages")
    await expect(page.locator("main")).to_contain_text(person["email"])
    await check_page(page, f"employer-messages-js-{js}")


async def test_employer_b_never_sees_employer_as_opening(
    stack: Stack, new_page: NewPage, token: Callable[..., str]
) -> None:
    a = stack.person("employer", "Riikka")
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.get(
            f"{stack.url('matching')}/openings",
            params={"partner_id": a["org"]},
            headers=_auth(token("employer", subject=a["subject"], org=a["org"])),
        )
        opening = r.json()["items"][0]
        r = await client.post(
            f"{stack.url('matching')}/openings/{opening['id']}/proposals",
            headers=_auth(token("employer", subject=a["subject"], org=a["org"])),
        )
        assert r.status_code == 201, r.text
        r = await client.get(
            f"{stack.url('matching')}/proposals",
            params={"opening_id": opening["id"]},
            headers=_auth(token("employer", subject=a["subject"], org=a["org"])),
        )
        proposals = r.json()["items"]
    page = await new_page()
    await sign_in_as(page, stack, "employer", "Jukka")
    await page.goto(f"{stack.portal}/employer")
    assert opening["title"] not in await page.content()
    urls = [
        f"/employer/openings/{opening['id']}",
        f"/employer/openings/{opening['id']}/edit",
        f"/employer/openings/{opening['id']}/close",
        *(f"/employer/proposals/{p['id']}/decline" for p in proposals),
    ]
    for url in urls:
        response = await page.goto(f"{stack.portal}{url}")
        assert response is not None
        assert response.status == 404, url
        assert opening["title"] not in await page.content()
    await check_page(page, "employer-b-not-found")
    # Nor may B act on it: forged forms (with B's own CSRF token) are refused, nothing changes.
    await page.goto(f"{stack.portal}/employer")
    csrf = await page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert csrf
    forged = [f"/employer/openings/{opening['id']}/close"]
    forged += [f"/employer/proposals/{p['id']}/accept" for p in proposals]
    for url in forged:
        response = await page.request.post(f"{stack.portal}{url}", form={"csrf_token": csrf})
        assert response.status == 404, url
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.get(
            f"{stack.url('matching')}/openings/{opening['id']}",
            headers=_auth(token("coordinator")),
        )
        assert r.json()["status"] == opening["status"]
    # Ids that are no ids: a 404 page, never a 500.
    for bad in ("/employer/openings/not-a-uuid", "/employer/proposals/123/decline"):
        response = await page.goto(f"{stack.portal}{bad}")
        assert response is not None
        assert response.status == 404


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
async def test_the_employer_pages_in_every_language(
    stack: Stack, new_page: NewPage, lang: str
) -> None:
    page = await new_page(lang=lang, phone=lang == "sv")
    await sign_in_as(page, stack, "employer", "Riikka")
    await page.goto(f"{stack.portal}/employer?lang={lang}")
    assert await page.locator("html").get_attribute("lang") == lang
    await check_page(page, f"employer-front-{lang}")
    opening = page.locator("main li.card a").first
    await opening.click()
    await page.wait_for_load_state()
    await check_page(page, f"employer-opening-{lang}")
    opening_url = page.url.split("?")[0]
    await page.goto(f"{opening_url}/edit")
    await check_page(page, f"employer-edit-{lang}")
    await page.goto(f"{opening_url}/close")
    await check_page(page, f"employer-close-{lang}")
    await page.goto(f"{stack.portal}/employer/openings/new")
    await page.fill("#title", "x" * 300)
    await page.fill("#places", "0")
    await page.fill("#deadline", "2001-01-01")
    await page.locator("form button[type=submit]").last.click()
    await page.wait_for_load_state()
    assert await page.locator(".error-summary li").count() >= 4
    await check_page(page, f"employer-new-errors-{lang}")
    await page.goto(f"{stack.portal}/employer/messages")
    await check_page(page, f"employer-messages-{lang}")


@pytest.mark.parametrize(("js", "lang"), [(True, "sv"), (False, "en")])
async def test_the_employers_e_mail_link_names_the_opening_and_declines(
    stack: Stack, new_page: NewPage, token: Callable[..., str], js: bool, lang: str
) -> None:
    """The e-mail's decline link, opened in another language than the contact's own: the
    page names the opening and the employer, and its one button declines."""
    skill = f"laadunvalvonta {uuid.uuid4().hex[:6]}"
    await _participant(stack, token, skill)
    riikka = stack.person("employer", "Riikka")
    own = _auth(token("employer", subject=riikka["subject"], org=riikka["org"]))
    title = f"Laaduntarkastaja {uuid.uuid4().hex[:4]}"
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.get(f"{stack.url('matching')}/partners/{riikka['org']}", headers=own)
        partner = r.json()
        address = partner["contacts"][0]["email"]
        before = len(stack.mailbox.to(address))
        r = await client.post(
            f"{stack.url('matching')}/partners/{riikka['org']}/openings",
            json={"type": "job", "title": title, "required_skills": [skill], "places": 1},
            headers=own,
        )
        assert r.status_code == 201, r.text
        r = await client.post(
            f"{stack.url('matching')}/openings/{r.json()['id']}/proposals", headers=own
        )
        (proposal,) = r.json()

    async def decline_link() -> str | None:
        for message in stack.mailbox.to(address)[before:]:
            for link in stack.mailbox.links(message):
                if "/actions/" in link and _payload(link) == (proposal["id"], "decline"):
                    return link
        return None

    link: str = await wait_for(decline_link, timeout=90, interval=1)
    page = await new_page(js=js, lang=lang)
    await page.goto(f"{link}?lang={lang}")
    heading = {"sv": "Avböj förslaget", "en": "Decline the proposal"}[lang]
    await expect(page.locator("h1")).to_have_text(heading)
    main = page.locator("main")
    await expect(main).to_contain_text(title)
    await expect(main).to_contain_text(partner["name"])
    await check_page(page, f"answer-decline-{lang}-js-{js}")
    await page.get_by_role("button", name=heading).click()
    await page.wait_for_load_state()
    done = {"sv": "Tack, ditt svar har sparats", "en": "Thank you, your answer was recorded"}
    await expect(page.locator("h1")).to_have_text(done[lang])
    await check_page(page, f"answer-declined-{lang}-js-{js}")

    async def declined() -> bool | None:
        async with httpx.AsyncClient(timeout=10) as client:
            r = await client.get(f"{stack.url('matching')}/proposals/{proposal['id']}", headers=own)
        return True if r.json()["status"] == "declined" else None

    await wait_for(declined, timeout=60, interval=1)


def _payload(link: str) -> tuple[str, str]:
    """A signed link's proposal and answer (base64url JSON before the signature)."""
    payload = link.rsplit("/actions/", 1)[1].split(".", maxsplit=1)[0]
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return str(body["p"]), str(body["a"])
