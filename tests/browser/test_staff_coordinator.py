"""The coordinator's pages in a real browser: the monthly report and its CSV, creating a
series, moving and cancelling a date, cancelling a series, linking an idea, partners, mentors
and proposals; JavaScript on and off; axe-core on every page in fi, sv and en; roles that may
not act get the forbidden page; bad input never a 500."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import Page
from voimala_kit.clock import HELSINKI
from voimala_kit.testing import wait_for

from .conftest import NewPage, Stack, check_page, sign_in_as

pytestmark = pytest.mark.browser


def _today() -> date:
    return datetime.now(HELSINKI).date()


def _auth(token: Callable[..., str], role: str = "coordinator") -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role)}"}


async def _open(page: Page, url: str) -> int:
    response = await page.goto(url)
    assert response is not None
    return response.status


async def _submit(page: Page, name: str) -> None:
    await page.get_by_role("button", name=name, exact=True).click()
    await page.wait_for_load_state()


async def _create_series(page: Page, stack: Stack, title: str, first: date) -> str:
    """Through the form, as a coordinator would; returns the new series' id."""
    await page.goto(f"{stack.portal}/staff/programme")
    await page.get_by_role("link", name="Luo sarja").click()
    await page.fill("#title_fi", title)
    await page.fill("#title_en", f"{title} (en)")
    await page.select_option("#category", "workshop")
    await page.fill("#first_date", first.isoformat())
    await page.get_by_label("Joka viikko", exact=True).check()
    await page.fill("#start_time", "13:00")
    await page.fill("#end_time", "15:00")
    await page.get_by_label("Kyllä, paikkoja on rajoitetusti", exact=True).check()
    await page.fill("#capacity", "10")
    await _submit(page, "Luo sarja")
    match = re.search(r"/staff/programme/series/([0-9a-f-]{36})", page.url)
    assert match, page.url
    return match.group(1)


# --- the journey: the monthly report and its CSV ----------------------------------


@pytest.mark.parametrize("js", [True, False])
async def test_a_coordinator_runs_the_monthly_report_and_downloads_the_csv(
    stack: Stack, new_page: NewPage, js: bool
) -> None:
    page = await new_page(js=js)
    await sign_in_as(page, stack, "coordinator")
    await page.goto(f"{stack.portal}/staff/reports")
    await check_page(page, f"coordinator-reports-choose-js-{js}")
    month = await page.locator("#month").input_value()
    last = _today().replace(day=1) - timedelta(days=1)
    assert month == last.strftime("%Y-%m"), "the month just ended is offered first"
    await _submit(page, "Näytä raportti")
    assert f"month={month}" in page.url
    assert (await page.locator("h1").inner_text()).startswith("Kuukausiraportti")
    await check_page(page, f"coordinator-reports-month-js-{js}")
    visits_row = page.locator("tr", has=page.locator("th", has_text=re.compile("^Käynnit$")))
    visits_on_page = (await visits_row.locator("td").inner_text()).strip()

    async with page.expect_download() as info:
        await page.get_by_role("link", name="Lataa luvut (CSV)").click()
    download = await info.value
    assert download.suggested_filename == f"voimala-monthly-report-{month}.csv"
    path = await download.path()
    assert path is not None
    text = path.read_bytes().decode("utf-8")
    # Excel reads it as UTF-8 and ;, each figure's code key with its Finnish name beside it.
    assert text.startswith("\ufeffsection;figure;value;nimike\r\n")
    assert f"period;start;{month}-01;Kausi: alkaa\r\n" in text
    visits_in_csv = re.search(r"^service_point;visits;(\d+);", text, re.M)
    assert visits_in_csv, text
    assert visits_in_csv.group(1) == visits_on_page.replace("\xa0", "")

    chart = page.locator("figure.chart img")
    assert "taulukoissa" in (await chart.get_attribute("alt") or "")  # a text alternative
    src = await chart.get_attribute("src")
    answer = await page.request.get(f"{stack.portal}{src}")
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in await answer.body()
    if js:
        assert await chart.evaluate("img => img.complete && img.naturalWidth > 0")


# --- the programme: create, move, cancel ------------------------------------------------------


@pytest.mark.parametrize("js", [True, False])
async def test_a_coordinator_creates_a_series_moves_and_cancels_dates_and_ends_it(
    stack: Stack, new_page: NewPage, js: bool
) -> None:
    page = await new_page(js=js)
    await sign_in_as(page, stack, "coordinator")
    await page.goto(f"{stack.portal}/staff/programme/new")
    await _submit(page, "Luo sarja")  # nothing filled in: errors, not a new series
    assert (await page.title()).startswith("Virhe:")
    summary = page.locator(".error-summary")
    assert "Kirjoita otsikko suomeksi" in await summary.inner_text()
    assert (
        await summary.get_by_role("link", name="Kirjoita otsikko suomeksi").get_attribute("href")
        == "#title_fi"
    )
    await check_page(page, f"coordinator-series-new-errors-js-{js}")

    title = f"CV-klinikka {uuid.uuid4().hex[:6]}"
    first = _today() + timedelta(days=8)
    series_id = await _create_series(page, stack, title, first)
    assert "Sarja luotiin" in await page.locator(".success").inner_text()
    weekday = ["maanantai", "tiistai", "keskiviikko", "torstai", "perjantai", "lauantai"]
    weekday += ["sunnuntai"]
    assert f"joka {weekday[first.weekday()]}" in await page.locator("dl.summary").inner_text()
    await check_page(page, f"coordinator-series-created-js-{js}")
    async with httpx.AsyncClient(base_url=stack.url("events")) as events:
        found = (await events.get(f"/series/{series_id}")).json()
        assert (
            found["rrule"]
            == f"FREQ=WEEKLY;BYDAY={['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'][first.weekday()]}"
        )
        assert found["capacity"] == 10
        assert found["title"]["en"] == f"{title} (en)"
        dates = (await events.get(f"/series/{series_id}/occurrences")).json()["items"]
        second = dates[1]["occurrence_id"]
        # Someone registers to the second date: cancelling it must say one person is told.
        guest = {"guest": {"name": "Vieras Testaaja", "email": "vieras@example.fi"}}
        r = await events.post(f"/occurrences/{second}/registrations", json=guest)
        assert r.status_code == 201, r.text

    # Move the first date a day later, 14-16.
    await page.get_by_role("link", name=re.compile("^Siirrä")).first.click()
    await page.wait_for_load_state()
    await check_page(page, f"coordinator-occurrence-move-js-{js}")
    moved_to = first + timedelta(days=1)
    await page.fill("#date", moved_to.isoformat())
    await page.fill("#start_time", "14:00")
    await page.fill("#end_time", "13:00")  # before the start: an error next to the field
    await _submit(page, "Siirrä kerta")
    assert (await page.title()).startswith("Virhe:")
    assert await page.locator("#end_time").get_attribute("aria-invalid") == "true"
    await page.fill("#end_time", "16:00")
    await _submit(page, "Siirrä kerta")
    assert "Kerta siirrettiin" in await page.locator(".success").inner_text()
    async with httpx.AsyncClient(base_url=stack.url("events")) as events:
        now = (await events.get(f"/occurrences/{dates[0]['occurrence_id']}")).json()
    assert (now["date"], now["local_start"], now["local_end"]) == (
        moved_to.isoformat(),
        "14:00",
        "16:00",
    )

    # Cancel the second date: the confirmation says who will be told.
    await page.goto(f"{stack.portal}/staff/programme/occurrences/{second}/cancel")
    notice = await page.locator(".notice").inner_text()
    assert "Peruutuksesta ilmoitetaan 1 ilmoittautuneelle." in notice
    await check_page(page, f"coordinator-occurrence-cancel-js-{js}")
    await page.fill("#reason", "Ohjaaja sairastui")
    await _submit(page, "Peru tämä kerta")
    assert "Peruttu" in await page.locator(".success").inner_text()
    async with httpx.AsyncClient(base_url=stack.url("events")) as events:
        assert (await events.get(f"/occurrences/{second}")).json()["status"] == "cancelled"

    # End the series from the fourth date on.
    await page.get_by_role("link", name="Peru sarja tietystä päivästä alkaen").click()
    await page.wait_for_load_state()
    await check_page(page, f"coordinator-series-cancel-form-js-{js}")
    from_date = first + timedelta(days=21)
    await page.fill("#from_date", from_date.isoformat())
    await _submit(page, "Jatka")
    confirm = await page.locator(".notice").inner_text()
    assert re.search(r"perutaan \d+ kerta", confirm), confirm
    assert "Peruutuksesta ilmoitetaan 0 ilmoittautuneelle." in confirm
    await check_page(page, f"coordinator-series-cancel-confirm-js-{js}")
    await _submit(page, "Peru sarja")
    assert "Peruttu" in await page.locator(".success").inner_text()
    async with httpx.AsyncClient(base_url=stack.url("events")) as events:
        ended = (await events.get(f"/series/{series_id}")).json()
    assert ended["ended_from"] == from_date.isoformat()


# --- ideas --------------------------------------------------------------------------------------


@pytest.mark.parametrize("js", [True, False])
async def test_a_coordinator_links_an_idea_to_a_series(
    stack: Stack, new_page: NewPage, token: Callable[..., str], js: bool
) -> None:
    text = f"Tietokonekurssi aloittelijoille {uuid.uuid4().hex[:6]}"
    async with httpx.AsyncClient(base_url=stack.url("participants")) as participants:
        r = await participants.post(
            "/ideas", json={"text": text, "language": "fi"}, headers=_auth(token)
        )
        assert r.status_code in (200, 201), r.text

    async def arrived() -> dict[str, Any] | None:
        async with httpx.AsyncClient(base_url=stack.url("events")) as events:
            items = (await events.get("/ideas", headers=_auth(token))).json()["items"]
        return next((i for i in items if i["text"] == text), None)

    idea = await wait_for(arrived, timeout=60, interval=0.5)
    page = await new_page(js=js)
    await sign_in_as(page, stack, "coordinator")
    await page.goto(f"{stack.portal}/staff/ideas")
    card = page.locator("li.card", has=page.get_by_role("heading", name=text))
    select = card.get_by_label("Toteutuu sarjassa")
    chosen = await select.locator("option").first.get_attribute("value")
    await select.select_option(chosen)
    await card.get_by_role("button", name="Liitä").click()
    await page.wait_for_load_state()
    assert "Idea liitettiin ohjelmaan" in await page.locator(".success").inner_text()
    await check_page(page, f"coordinator-ideas-linked-js-{js}")
    async with httpx.AsyncClient(base_url=stack.url("events")) as events:
        items = (
            await events.get("/ideas", params={"include_realised": True}, headers=_auth(token))
        ).json()["items"]
    assert next(i for i in items if i["idea_ids"] == idea["idea_ids"])["series_id"] == chosen
    # Linked ideas leave the default list, and show where they went in the full one.
    assert text not in await page.locator("main").inner_text()
    await page.get_by_role("link", name="Näytä myös ideat, jotka ovat jo ohjelmassa").click()
    await page.wait_for_load_state()
    linked = page.locator("li.card", has=page.get_by_role("heading", name=text))
    assert "Ohjelmassa:" in await linked.inner_text()


# --- partners, mentors, proposals -----------------------------------------------------------


@pytest.mark.parametrize("js", [True, False])
async def test_a_coordinator_adds_a_partner_and_a_mentor(
    stack: Stack, new_page: NewPage, js: bool
) -> None:
    tag = uuid.uuid4().hex[:6]
    page = await new_page(js=js)
    await sign_in_as(page, stack, "coordinator")
    await page.goto(f"{stack.portal}/staff/partners")
    await page.get_by_role("link", name="Lisää kumppani").click()
    await page.get_by_label("Työnantaja", exact=True).check()
    await page.fill("#partner_name", f"Salon Puutarha Oy {tag}")
    await page.fill("#business_id", "123")
    await page.fill("#name", "Pirjo Puutarhuri")
    await page.fill("#email", "not-an-address")
    await _submit(page, "Lisää kumppani")
    assert (await page.title()).startswith("Virhe:")
    errors = await page.locator(".error-summary").inner_text()
    assert "Y-tunnus" in errors
    assert "sähköpostiosoite" in errors
    await check_page(page, f"coordinator-partner-new-errors-js-{js}")
    await page.get_by_label("Yhdistys", exact=True).check()
    await page.fill("#partner_name", f"Salon Kyläyhdistys {tag}")
    await page.fill("#business_id", "")
    await page.fill("#email", f"pirjo.{tag}@example.fi")
    await page.fill("#phone", "040 123 4567")
    await _submit(page, "Lisää kumppani")
    assert "Kumppani lisättiin" in await page.locator(".success").inner_text()
    # The list pages by name: follow it until the new partner shows.
    for _ in range(20):
        if f"Salon Kyläyhdistys {tag}" in await page.locator("main").inner_text():
            break
        await page.get_by_role("link", name="Seuraava sivu").click()
        await page.wait_for_load_state()
    card = page.locator("li.card", has_text=f"Salon Kyläyhdistys {tag}")
    assert f"pirjo.{tag}@example.fi" in await card.inner_text()
    assert "+358401234567" in await card.inner_text()

    await page.goto(f"{stack.portal}/staff/mentors/new")
    await page.fill("#name", f"Marja Mentori {tag}")
    await page.fill("#email", f"marja.{tag}@example.fi")
    await page.fill("#fields", "logistiikka, kauppa")
    await page.fill("#capacity", "3")
    await _submit(page, "Lisää mentori")
    assert "Mentori lisättiin" in await page.locator(".success").inner_text()
    row = page.locator("tr", has_text=f"Marja Mentori {tag}")
    # the fields as the vocabulary names them in Finnish ("kauppa" is a synonym of retail)
    assert "logistiikka, vähittäiskauppa" in await row.inner_text()
    assert "0 / 3" in await row.inner_text()
    await check_page(page, f"coordinator-mentors-added-js-{js}")


@pytest.mark.parametrize("js", [True, False])
async def test_a_coordinator_sees_waiting_proposals_and_withdraws_one(
    stack: Stack, new_page: NewPage, token: Callable[..., str], js: bool
) -> None:
    # A partner and an opening of this test's own, so that no other test's proposals change.
    tag = uuid.uuid4().hex[:6]
    async with httpx.AsyncClient(base_url=stack.url("matching")) as matching:
        partner = await matching.post(
            "/partners",
            headers=_auth(token),
            json={
                "kind": "association",
                "name": f"Testiyhdistys {tag}",
                "contacts": [{"name": "Tero Testi", "email": f"tero.{tag}@example.fi"}],
            },
        )
        assert partner.status_code == 201, partner.text
        title = f"Vapaaehtoistyö {tag}"
        opening = await matching.post(
            f"/partners/{partner.json()['id']}/openings",
            headers=_auth(token),
            json={"type": "volunteering", "title": title, "places": 1},
        )
        assert opening.status_code == 201, opening.text
        made = await matching.post(
            f"/openings/{opening.json()['id']}/proposals", headers=_auth(token)
        )
        assert made.status_code == 201, made.text
        assert made.json(), "the demo has consenting participants to propose"
        proposal_id = made.json()[0]["id"]

    page = await new_page(js=js)
    await sign_in_as(page, stack, "coordinator")
    await page.goto(f"{stack.portal}/staff/proposals")
    row = page.locator("li.card", has_text=title)
    assert f"Testiyhdistys {tag}" in await row.inner_text()
    await check_page(page, f"coordinator-proposals-js-{js}")
    await row.get_by_role("link", name=re.compile("^Peru")).click()
    await page.wait_for_load_state()
    await check_page(page, f"coordinator-proposal-withdraw-js-{js}")
    await _submit(page, "Peru ehdotus")
    assert "Ehdotus peruttiin" in await page.locator(".success").inner_text()
    assert title not in await page.locator("main").inner_text()
    async with httpx.AsyncClient(base_url=stack.url("matching")) as matching:
        after = await matching.get(f"/proposals/{proposal_id}", headers=_auth(token))
    assert after.json()["status"] == "withdrawn"


# --- every page, every language ---------------------------------------------------------------


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
async def test_every_coordinator_page_in_every_language(
    stack: Stack, new_page: NewPage, lang: str
) -> None:
    page = await new_page(lang=lang, phone=lang == "sv")
    await sign_in_as(page, stack, "coordinator")
    async with httpx.AsyncClient(base_url=stack.url("events")) as events:
        series = (await events.get("/series")).json()["items"]
        live = next(s for s in series if s["ended_from"] is None and s["capacity"])
        dates = (await events.get(f"/series/{live['id']}/occurrences")).json()["items"]
    occurrence = next(d for d in dates if d["status"] == "scheduled")["occurrence_id"]
    month = (_today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    pages = {
        "programme": "/staff/programme",
        "series-new": "/staff/programme/new",
        "series": f"/staff/programme/series/{live['id']}",
        "series-cancel": f"/staff/programme/series/{live['id']}/cancel",
        "move": f"/staff/programme/occurrences/{occurrence}/move",
        "cancel": f"/staff/programme/occurrences/{occurrence}/cancel",
        "ideas": "/staff/ideas?realised=1",
        "partners": "/staff/partners",
        "partner-new": "/staff/partners/new",
        "mentors": "/staff/mentors",
        "mentor-new": "/staff/mentors/new",
        "reports": f"/staff/reports?month={month}",
        "proposals": "/staff/proposals",
    }
    for name, path in pages.items():
        assert (
            await _open(
                page,
                f"{stack.portal}{path}&lang={lang}"
                if "?" in path
                else f"{stack.portal}{path}?lang={lang}",
            )
            == 200
        ), path
        assert await page.locator("html").get_attribute("lang") == lang
        await check_page(page, f"coordinator-{name}-{lang}")
    # The weekday words come from the language, not from English.
    await page.goto(f"{stack.portal}/staff/programme")
    words = {"fi": "joka ", "sv": "varje ", "en": "every "}[lang]
    assert words in await page.locator("main").inner_text()


# --- who may do what; bad input ---------------------------------------------------------------


async def test_others_get_the_forbidden_page(stack: Stack, new_page: NewPage) -> None:
    counsellor = await new_page(js=False)
    await sign_in_as(counsellor, stack, "counsellor")
    # Counsellors read the programme and the report, but adding partners and mentors and
    # withdrawing proposals are the coordinator's (as in the matching service).
    assert await _open(counsellor, f"{stack.portal}/staff/reports") == 200
    assert await _open(counsellor, f"{stack.portal}/staff/partners") == 200
    for path in (
        "/staff/partners/new",
        "/staff/mentors/new",
        f"/staff/proposals/{uuid.uuid4()}/withdraw",
    ):
        assert await _open(counsellor, f"{stack.portal}{path}") == 403, path
        assert "Et voi avata tätä sivua" in await counsellor.locator("h1").inner_text()
    assert "Lisää kumppani" not in await _page_text(counsellor, stack, "/staff/partners")
    await check_page(counsellor, "coordinator-partners-as-counsellor")

    for role in ("participant", "employer", "mentor"):
        other = await new_page(js=False)
        await sign_in_as(other, stack, role)
        for path in (
            "/staff/programme",
            "/staff/reports",
            "/staff/reports/report.csv?month=2026-11",
            "/staff/ideas",
        ):
            assert await _open(other, f"{stack.portal}{path}") == 403, (role, path)

    nobody = await new_page(js=False)
    await nobody.goto(f"{stack.portal}/staff/reports")
    assert "/sign-in" in nobody.url


async def _page_text(page: Page, stack: Stack, path: str) -> str:
    await page.goto(f"{stack.portal}{path}")
    return await page.locator("main").inner_text()


async def test_bad_input_gets_a_clear_answer_never_a_500(stack: Stack, new_page: NewPage) -> None:
    page = await new_page(js=False)
    await sign_in_as(page, stack, "coordinator")
    for path in (
        "/staff/programme/series/not-a-uuid",
        "/staff/programme/series/not-a-uuid/cancel",
        f"/staff/programme/series/{uuid.uuid4()}",
        "/staff/programme/occurrences/123/cancel",
        f"/staff/programme/occurrences/{uuid.uuid4()}/move",
        "/staff/proposals/x/withdraw",
        "/staff/reports/report.csv?month=2026-13",
        "/staff/reports/chart.svg?month=x",
    ):
        assert await _open(page, f"{stack.portal}{path}") == 404, path
    # A NUL in the address is refused before any page sees it: a bad request, never a 500.
    for path in ("/staff/programme/occurrences/%00/move", "/staff/reports/chart.svg?month=%00"):
        assert await _open(page, f"{stack.portal}{path}") in (400, 404), path
    for query in ("month=2026-13", "month=" + "9" * 5000):
        assert await _open(page, f"{stack.portal}/staff/reports?{query}") == 400, query
    assert await _open(page, f"{stack.portal}/staff/partners?cursor=%00garbage") == 400
    assert await _open(page, f"{stack.portal}/staff/proposals?cursor=garbage") == 400

    csrf = next(c["value"] for c in await page.context.cookies() if c["name"] == "voimala_csrf")
    nasty = {
        "csrf_token": csrf,
        "title_fi": "\x01\x7f" + "x" * 100_000,
        "category": "workshop\x02",
        "audience": "everyone",
        "first_date": "2027-02-30",
        "repeat": "weekly",
        "start_time": "25:00",
        "end_time": "\x1b",
        "registration": "seats",
        "capacity": "9" * 50,
        "opens_days_before": "-1",
        "closes_hours_before": "1e9",
    }
    answer = await page.request.post(f"{stack.portal}/staff/programme/new", form=nasty)
    assert answer.status == 400
    body = await answer.text()
    assert "Virhe:" in body
    assert "error-summary" in body
    # A NUL in a form is refused by the kit before the page: a bad-request page, not a 500.
    answer = await page.request.post(
        f"{stack.portal}/staff/programme/new", form=nasty | {"title_fi": "a\x00b"}
    )
    assert answer.status == 422
    assert "<h1>" in await answer.text()
    series = f"{stack.portal}/staff/programme/series/{uuid.uuid4()}/cancel"
    answer = await page.request.get(f"{series}?from_date=%00")
    assert answer.status in (400, 404)
    answer = await page.request.post(
        f"{stack.portal}/staff/ideas/link",
        form={"csrf_token": csrf, "series_id": "not-a-series", "idea_id": "nope"},
        max_redirects=0,
    )
    assert answer.status == 303
    answer = await page.request.post(
        f"{stack.portal}/staff/programme/occurrences/{uuid.uuid4()}/move",
        form={"csrf_token": csrf, "date": "x", "start_time": "y", "end_time": "z"},
    )
    assert answer.status == 404
    # Without the CSRF token nothing is done.
    answer = await page.request.post(
        f"{stack.portal}/staff/programme/new", form={"title_fi": "x"}, max_redirects=0
    )
    assert answer.status == 403
