"""The operations page in a real browser, and the services' API documentation pages rendered
from their own assets (the harness fails a test on any request to another host)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect
from voimala_kit.testing import wait_for

from .conftest import ARTIFACTS, NewPage, Stack, check_page, sign_in_as

pytestmark = pytest.mark.browser
SERVICES = ["portal", "participants", "events", "matching", "notifications"]
READY = {"fi": "Valmiina", "sv": "Redo", "en": "Ready"}
ALL_READY = {
    "fi": "Kaikki palvelut ovat valmiina.",
    "sv": "Alla tjänster är redo.",
    "en": "Every service is ready.",
}


@pytest.mark.parametrize(
    ("lang", "js", "phone"),
    [("fi", True, False), ("sv", True, False), ("en", True, True), ("fi", False, True)],
)
async def test_an_ops_user_sees_every_service_ready(
    stack: Stack, new_page: NewPage, lang: str, js: bool, phone: bool
) -> None:
    page = await new_page(lang=lang, js=js, phone=phone)
    await sign_in_as(page, stack, "ops")
    assert page.url.endswith("/ops")

    async def all_ready() -> bool | None:
        # Right after the stack starts on a loaded machine a check may still fail: the page
        # says which, and "check again" is what an operator would do.
        if (await page.locator(".ops-summary").inner_text()).strip() == ALL_READY[lang]:
            return True
        await page.goto(f"{stack.portal}/ops")
        return None

    await wait_for(all_ready, timeout=90, interval=2)
    for name in SERVICES:
        row = page.locator(f"#service-{name}")
        await expect(row.locator(".ops-status")).to_have_text(READY[lang])
        await expect(row).to_contain_text("0.1.0")  # the version, from its OpenAPI document
    # What the metrics say: notifications has published events since the demo was loaded.
    published = {"fi": "Julkaistut tapahtumat", "sv": "Publicerade händelser"}.get(
        lang, "Events published"
    )
    facts = page.locator("#service-notifications dl")
    await expect(facts).to_contain_text(published)
    count = facts.locator("dt", has_text=published).locator("xpath=following-sibling::dd[1]")
    assert (await count.inner_text()).strip() not in ("0", "\u2013")
    # No personal data: no demo participant's name on the page.
    content = await page.content()
    for person in stack.people:
        if person["role"] == "participant":
            assert person["name"] not in content
    await check_page(page, f"ops-{lang}-js-{js}-phone-{phone}")
    # The refresh link checks again (no script needed).
    again = {"fi": "Tarkista uudelleen", "sv": "Kontrollera igen", "en": "Check again"}[lang]
    await page.get_by_role("link", name=again).click()
    await page.wait_for_load_state()
    await expect(page.locator(".ops-summary")).to_have_text(ALL_READY[lang])
    if phone and js:  # measuring needs script in the page
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone: {width}px"


async def test_the_ops_page_is_for_the_ops_role_only(stack: Stack, new_page: NewPage) -> None:
    page = await new_page()
    response = await page.goto(f"{stack.portal}/ops")
    assert response is not None
    assert "/sign-in" in page.url  # nobody signed in: sent to sign in
    await sign_in_as(page, stack, "participant", "Sari")
    response = await page.goto(f"{stack.portal}/ops")
    assert response is not None
    assert response.status == 403


@pytest.mark.parametrize("service", ["matching", "participants"])
async def test_a_services_docs_render_without_a_cdn(
    stack: Stack, new_page: NewPage, service: str
) -> None:
    page = await new_page()
    await page.goto(f"{stack.url(service)}/docs")
    # Swagger UI drew the operations: its script came from the service itself.
    await expect(page.locator(".opblock").first).to_be_visible(timeout=30_000)
    assert await page.locator(".opblock").count() > 3
    await page.screenshot(path=str(ARTIFACTS / "screenshots" / f"docs-{service}.png"))
    await page.goto(f"{stack.url(service)}/redoc")
    await expect(page.locator("h1").first).to_contain_text("Voimala", timeout=30_000)
    # ReDoc drew one heading per operation.
    await expect(page.locator("h2").nth(3)).to_be_attached()
    await page.screenshot(path=str(ARTIFACTS / "screenshots" / f"redoc-{service}.png"))
