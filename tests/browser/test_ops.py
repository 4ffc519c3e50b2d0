"""The operations pages in a real browser (the operations API started as a process beside the
services): every service in one table, a dead letter found, shown without personal data and
its replay refused in words; and the services' API documentation pages rendered
from their own assets (the harness fails a test on any request to another host)."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from playwright.async_api import expect
from voimala_contracts import ParticipantContact, ParticipantContactChanged, new_event, topics
from voimala_kit.kafka import make_producer
from voimala_kit.testing import wait_for

from .conftest import ARTIFACTS, NewPage, Stack, check_page, sign_in_as

pytestmark = pytest.mark.browser
SERVICES = ["portal", "participants", "events", "matching", "notifications"]
READY = {"fi": "Valmiina", "sv": "Redo", "en": "Ready"}
PERSON = ("Matti", "Virtanen", "matti.virtanen@example.fi")
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
    # One table of every service, from the operations API.
    for name in SERVICES:
        row = page.locator(f"#service-{name}")
        await expect(row.locator(".ops-status")).to_have_text(READY[lang])
        await expect(row).to_contain_text("0.1.0")  # the version, from its OpenAPI document
    lag = {"fi": "Viive, viestejä", "sv": "Fördröjning, meddelanden"}.get(lang, "Lag, records")
    await expect(page.get_by_role("columnheader", name=lag)).to_be_visible()
    # How long it has been up, from its process start (a dash when unknown).
    uptime = page.locator("#service-notifications td").nth(2)
    assert (await uptime.inner_text()).strip() not in ("", "\u2013")
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


async def _poison(stack: Stack, kafka_bootstrap: str) -> str:
    """A contact change notifications can never apply (its participant id is no UUID), with
    a person's name and address inside: dead-lettered by this stack's notifications."""
    pid = uuid.uuid4()
    event = new_event(
        ParticipantContactChanged(
            participant_id=pid,
            personal=ParticipantContact(
                given_name=PERSON[0], family_name=PERSON[1], email=PERSON[2]
            ),
        ),
        service="participants",
        subject=str(pid),
    ).model_dump(mode="json")
    event["data"]["participant_id"] = "not-a-uuid"
    producer = make_producer(kafka_bootstrap, "browser-ops-test")
    await producer.start()
    try:
        await producer.send_and_wait(
            topics.PARTICIPANTS, json.dumps(event).encode(), key=str(pid).encode()
        )
    finally:
        await producer.stop()
    return str(event["id"])


@pytest.mark.parametrize(("lang", "phone"), [("en", False), ("fi", True), ("sv", False)])
async def test_an_ops_user_finds_a_dead_letter_and_a_replay_is_refused_in_words(
    stack: Stack, new_page: NewPage, kafka_bootstrap: str, lang: str, phone: bool
) -> None:
    page = await new_page(lang=lang, phone=phone)
    await sign_in_as(page, stack, "ops")
    title = {"fi": "Virheviestit", "sv": "Felmeddelanden", "en": "Dead letters"}[lang]
    await page.get_by_role("link", name=title, exact=True).first.click()
    await page.wait_for_load_state()
    await page.get_by_label(
        {"fi": "Palvelu", "sv": "Tjänst", "en": "Service"}[lang], exact=True
    ).select_option("notifications")
    await page.get_by_role(
        "button", name={"fi": "Näytä", "sv": "Visa", "en": "Show"}[lang], exact=True
    ).click()
    await page.wait_for_url("**/ops/dead-letters?service=notifications")
    links = page.locator("tbody th a")
    before = set(await links.all_inner_texts())
    event_id = await _poison(stack, kafka_bootstrap)

    async def listed() -> str | None:
        # The broker is shared: every notifications running dead-letters the poison too, and
        # other suites' dead letters arrive meanwhile. Ours is a new one with our event's id.
        await page.goto(f"{stack.portal}/ops/dead-letters?service=notifications")
        for letter in [t for t in await links.all_inner_texts() if t not in before][:10]:
            before.add(letter)
            detail = await page.context.request.get(f"{stack.portal}/ops/dead-letters/{letter}")
            if event_id in await detail.text():
                return letter
        return None

    letter = await wait_for(listed, timeout=180, interval=2)
    await page.goto(f"{stack.portal}/ops/dead-letters?service=notifications")
    await check_page(page, f"ops-dead-letters-{lang}-phone-{phone}")
    await page.get_by_role("link", name=letter, exact=True).click()
    await page.wait_for_load_state()
    await expect(page.locator("main")).to_contain_text("voimala.participants")
    await expect(page.locator("main")).to_contain_text(event_id)
    # The personal part only counted (the page's own example aside).
    personal = page.locator("xpath=//dt[normalize-space()='personal']/following-sibling::dd[1]")
    await expect(personal).to_have_text(re.compile(r"^\[personal: \d+ fields\]$"))
    content = await page.content()
    for value in PERSON:
        assert value not in content
    await check_page(page, f"ops-dead-letter-{lang}-phone-{phone}")

    # The form by keyboard: a replay without a reason is an error linked to the field.
    button = {"fi": "Lähetä viesti uudelleen", "sv": "Skicka meddelandet igen"}.get(
        lang, "Replay the message"
    )
    await page.get_by_role("button", name=button).click()
    await page.wait_for_load_state()
    assert (await page.title()).startswith({"fi": "Virhe:", "sv": "Fel:", "en": "Error:"}[lang])
    await page.locator(".error-summary a[href='#reason']").click()
    await page.locator("#reason").fill("the contact change was mended")
    await page.keyboard.press("Tab")  # from the reason to the button, and press it
    await page.keyboard.press("Enter")
    await page.wait_for_load_state()
    refused = {
        "fi": "Ei lähetetty uudelleen: viesti on yhä virheellinen",
        "sv": "Inte omsänt: meddelandet är fortfarande ogiltigt",
        "en": "Not replayed: the message is still invalid",
    }[lang]
    await expect(page.locator(".error-summary h2")).to_have_text(refused)
    await check_page(page, f"ops-replay-refused-{lang}-phone-{phone}")
    if phone:
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
