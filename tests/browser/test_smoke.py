"""The portal's frame in a real browser: every language, a phone, keyboard, no JavaScript."""

from __future__ import annotations

import pytest

from .conftest import NewPage, Stack, check_page, sign_in_as

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
async def test_the_front_and_the_accessibility_statement_in_every_language(
    stack: Stack, new_page: NewPage, lang: str
) -> None:
    page = await new_page(lang=lang)
    await page.goto(f"{stack.portal}/?lang={lang}")
    assert await page.locator("html").get_attribute("lang") == lang
    await check_page(page, f"home-{lang}")
    await page.goto(f"{stack.portal}/accessibility")
    assert await page.locator("html").get_attribute("lang") == lang  # the choice is remembered
    await check_page(page, f"accessibility-{lang}")


async def test_the_skip_link_is_the_first_stop_of_the_keyboard(
    stack: Stack, new_page: NewPage
) -> None:
    page = await new_page(phone=True)
    await page.goto(f"{stack.portal}/")
    await page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert await focused.get_attribute("href") == "#main"
    await check_page(page, "home-phone-skip-link")


@pytest.mark.parametrize("js", [True, False])
async def test_development_sign_in_and_out(stack: Stack, new_page: NewPage, js: bool) -> None:
    page = await new_page(js=js)
    await page.goto(f"{stack.portal}/sign-in")
    await check_page(page, f"sign-in-js-{js}")
    await page.goto(f"{stack.portal}/sign-in/dev")
    await check_page(page, f"sign-in-dev-js-{js}")
    person = await sign_in_as(page, stack, "counsellor")
    await page.goto(f"{stack.portal}/")
    assert person["name"] in await page.locator("header").inner_text()
    await page.get_by_role("button", name="Kirjaudu ulos").click()
    await page.wait_for_load_state()
    assert person["name"] not in await page.locator("header").inner_text()
