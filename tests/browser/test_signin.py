"""Sign-in by e-mail link in a real browser, with the whole platform: the portal asks, the
notifications service sends the e-mail (read from the test's SMTP server), the link's page
signs in by its button. With JavaScript on and off, on a phone, in Finnish, Swedish and English."""

from __future__ import annotations

import re
import uuid
from email.message import EmailMessage

import pytest
from playwright.async_api import Page, expect
from voimala_kit.testing import wait_for

from .conftest import USED_LINKS, NewPage, Stack, check_page

pytestmark = pytest.mark.browser

RIIKKA = "riikka.salminen@elektroniikkapalvelu.example"
WORDS = {
    "fi": {
        "email": "Sähköpostiosoite",
        "send": "Lähetä minulle kirjautumislinkki",
        "sign_in": "Kirjaudu sisään",
    },
    "sv": {"email": "E-postadress", "send": "Skicka mig en inloggningslänk", "sign_in": "Logga in"},
    "en": {"email": "E-mail address", "send": "Send me a sign-in link", "sign_in": "Sign in"},
}


async def link_in_mail(stack: Stack, address: str, seen: set[str]) -> str:
    """The sign-in link of a new e-mail to `address` from this platform (other runs' portals
    may share the broker: only links to this portal count)."""

    async def found() -> str | None:
        for message in stack.mailbox.to(address):
            for link in _links(message):
                if link.startswith(f"{stack.portal}/sign-in/link/") and link not in seen:
                    return link
        return None

    link: str = await wait_for(found, timeout=45)
    seen.add(link)
    return link


def _links(message: EmailMessage) -> list[str]:
    part = message.get_body(("plain",))
    text = part.get_content() if part is not None else ""
    return re.findall(r"https?://[^\s\"'<>]+", text)


async def ask_for_link(page: Page, stack: Stack, lang: str, address: str, name: str) -> None:
    words = WORDS[lang]
    await page.goto(f"{stack.portal}/sign-in?lang={lang}")
    assert await page.locator("html").get_attribute("lang") == lang
    await check_page(page, f"signin-{name}-{lang}")
    field = page.get_by_label(words["email"])
    await field.fill(address)
    await field.press("Enter")  # the keyboard alone sends the form
    await page.wait_for_url(f"{stack.portal}/sign-in/sent")
    await check_page(page, f"signin-sent-{name}-{lang}")


_seen = USED_LINKS  # shared with the other tests that sign in by link


@pytest.mark.parametrize("js", [True, False])
async def test_an_employer_signs_in_by_a_link_from_the_email(
    stack: Stack, new_page: NewPage, js: bool
) -> None:
    page = await new_page(js=js, phone=not js)
    await ask_for_link(page, stack, "fi", RIIKKA, f"employer-js-{js}")
    link = await link_in_mail(stack, RIIKKA, _seen)
    assert link.endswith("?lang=fi")  # Riikka's own language
    await page.goto(link)
    await check_page(page, f"signin-link-js-{js}")
    assert "/sign-in/link/" in page.url  # opening the link alone signed nobody in
    await page.locator("main").get_by_role("button", name="Kirjaudu sisään").click()
    await page.wait_for_url(f"{stack.portal}/employer")
    await page.goto(f"{stack.portal}/accessibility")
    assert "Riikka Salminen" in await page.locator("header").inner_text()
    # the same link again: used
    await page.goto(link)
    await expect(page.locator("h1")).to_have_text("Linkki on jo käytetty")
    await check_page(page, f"signin-link-used-js-{js}")


@pytest.mark.parametrize(
    ("lang", "address", "home"),
    [
        ("fi", "jukka.halonen@halikonpuutarha.example", "/employer"),
        ("sv", "anna.lindberg@ssl-logistiikka.example", "/employer"),
        ("en", "amina.hassan@example.fi", "/me"),
    ],
)
async def test_every_sign_in_page_in_every_language(
    stack: Stack, new_page: NewPage, lang: str, address: str, home: str
) -> None:
    words = WORDS[lang]
    page = await new_page(lang=lang)
    # an empty form: an error summary that leads to the field
    await page.goto(f"{stack.portal}/sign-in?lang={lang}")
    await page.get_by_role("button", name=words["send"]).click()
    await page.wait_for_load_state()
    summary = page.locator(".error-summary")
    await expect(summary).to_be_visible()
    await check_page(page, f"signin-error-{lang}")
    await summary.get_by_role("link").first.click()
    await expect(page.get_by_label(words["email"])).to_be_focused()
    # an unknown link: a page that says so, with a way to ask again
    await page.goto(f"{stack.portal}/sign-in/link/{uuid.uuid4().hex}{uuid.uuid4().hex[:11]}")
    await check_page(page, f"signin-link-unknown-{lang}")
    await expect(page.locator("main a[href='/sign-in']")).to_be_visible()
    # the link in the person's language, and their home after the button
    await ask_for_link(page, stack, lang, address, "person")
    link = await link_in_mail(stack, address, _seen)
    assert link.endswith(f"?lang={lang}")
    await page.goto(link)
    await check_page(page, f"signin-link-{lang}")
    await page.locator("main").get_by_role("button", name=words["sign_in"]).click()
    await page.wait_for_url(f"{stack.portal}{home}")


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
async def test_too_many_links_for_one_address_is_a_page_that_says_when(
    stack: Stack, new_page: NewPage, lang: str
) -> None:
    words = WORDS[lang]
    page = await new_page(lang=lang, phone=lang == "sv")
    nobody = f"nobody.{uuid.uuid4().hex[:8]}@example.fi"  # unknown: no e-mail, same answers
    for _ in range(3):
        await page.goto(f"{stack.portal}/sign-in?lang={lang}")
        await page.get_by_label(words["email"]).fill(nobody)
        await page.get_by_role("button", name=words["send"]).click()
        await page.wait_for_url(f"{stack.portal}/sign-in/sent")
    await page.goto(f"{stack.portal}/sign-in?lang={lang}")
    await page.get_by_label(words["email"]).fill(nobody)
    async with page.expect_response(f"{stack.portal}/sign-in") as answer:
        await page.get_by_role("button", name=words["send"]).click()
    response = await answer.value
    assert response.status == 429
    assert int(response.headers["retry-after"]) > 0
    await check_page(page, f"signin-too-many-{lang}")
