"""The city board's report in a real browser (the whole platform with its demo data): the
month and the year so far in Finnish (and Swedish, English), the same figures as the
participants service's report, accessible charts (real text, role="img", title and
description, a table beside each), laid out for A4 when printed; axe-core on every page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import httpx
import pytest
from playwright.async_api import Page
from voimala_kit.clock import HELSINKI

from .conftest import ARTIFACTS, NewPage, Stack, check_page, sign_in_as

pytestmark = pytest.mark.browser


def _last_month() -> str:
    today = datetime.now(HELSINKI).date()
    return (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


async def _key_figure(page: Page, label: str) -> tuple[str, str]:
    """The month's and the year's value of a key figure, as the page writes them."""
    row = page.locator("table.board-key tr", has=page.locator("th", has_text=label))
    cells = row.locator("td")
    month, year = await cells.nth(0).inner_text(), await cells.nth(1).inner_text()
    return month.replace("\xa0", "").strip(), year.replace("\xa0", "").strip()


async def _service_report(stack: Stack, token: Callable[..., str], **params: str) -> dict:  # type: ignore[type-arg]
    headers = {"Authorization": f"Bearer {token('coordinator')}"}
    async with httpx.AsyncClient(base_url=stack.url("participants")) as c:
        r = await c.get("/reports/programme", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_the_board_reads_the_month_and_the_year_in_finnish(
    stack: Stack, new_page: NewPage, token: Callable[..., str]
) -> None:
    page = await new_page()
    await sign_in_as(page, stack, "coordinator")
    await page.goto(f"{stack.portal}/staff/reports")
    await page.get_by_role("link", name="Raportti kaupunginhallitukselle").click()
    await page.wait_for_load_state()
    month = _last_month()
    assert page.url.endswith("/staff/reports/board")
    assert (await page.locator("h1").inner_text()).startswith("Raportti kaupunginhallitukselle")
    await check_page(page, "board-report-fi")

    # The figures are the participants service's: the month's and the year so far.
    first = date.fromisoformat(f"{month}-01")
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    in_month = await _service_report(stack, token, month=month)
    in_year = await _service_report(stack, token, start=f"{first.year}-01-01", end=last.isoformat())
    started = await _key_figure(page, "Aloittaneet osallistujat")
    assert started == (str(in_month["entries"]["total"]), str(in_year["entries"]["total"]))
    visits = await _key_figure(page, "Käynnit palvelupisteessä")
    assert visits == (
        str(in_month["service_point"]["visits"]),
        str(in_year["service_point"]["visits"]),
    )

    # Every chart: an image with a name and a description in words, its words as text (not
    # drawn as paths), and a table of the same figures beside it.
    charts = page.locator("svg.board-chart")
    assert await charts.count() == 6
    for n in range(6):
        chart = charts.nth(n)
        assert await chart.get_attribute("role") == "img"
        assert await chart.locator("title").count() == 1
        desc = await chart.locator("desc").text_content() or ""
        assert ":" in desc, desc
        assert await chart.locator("text").count() > 3
        assert await chart.locator("path").count() == 0
        pair = page.locator(".board-pair").nth(n)
        assert await pair.locator("table tbody tr").count() >= 3
    # The month's entries as the chart says them in words, and as its table says them.
    entries = page.locator(".board-pair").nth(0)
    month_row = entries.locator("tbody tr").last
    assert (await month_row.locator("td").first.inner_text()).strip() == str(
        in_month["entries"]["total"]
    )
    desc = await entries.locator("svg desc").text_content() or ""
    assert f"Aloittaneet {in_month['entries']['total']}" in desc.split(";")[-1]

    # Printed: no navigation, no month form; the charts and tables stay; A4.
    await page.emulate_media(media="print")
    assert not await page.locator("form.no-print").is_visible()
    assert not await page.locator(".site-header").is_visible()
    assert await charts.first.is_visible()
    await page.screenshot(
        path=str(ARTIFACTS / "screenshots" / "board-report-print.png"), full_page=True
    )
    pdf = await page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    (ARTIFACTS / "board-report.pdf").write_bytes(pdf)


@pytest.mark.parametrize("lang", ["sv", "en"])
async def test_the_board_report_in_swedish_and_english(
    stack: Stack, new_page: NewPage, lang: str
) -> None:
    page = await new_page(lang=lang)
    await sign_in_as(page, stack, "coordinator")
    response = await page.goto(f"{stack.portal}/staff/reports/board?lang={lang}")
    assert response is not None
    assert response.status == 200
    assert await page.locator("html").get_attribute("lang") == lang
    heading = {"sv": "Rapport till stadsstyrelsen", "en": "Report to the city board"}[lang]
    assert (await page.locator("h1").inner_text()).startswith(heading)
    await check_page(page, f"board-report-{lang}")


async def test_a_counsellor_reads_it_on_a_phone_and_a_bad_month_is_a_bad_request(
    stack: Stack, new_page: NewPage
) -> None:
    page = await new_page(phone=True)
    await sign_in_as(page, stack, "counsellor")
    month = _last_month()
    response = await page.goto(f"{stack.portal}/staff/reports/board?month={month}")
    assert response is not None
    assert response.status == 200
    await check_page(page, "board-report-phone")
    wrong = await page.goto(f"{stack.portal}/staff/reports/board?month=1999-13")
    assert wrong is not None
    assert wrong.status == 400
    assert await page.locator("#month").count() == 1
    await check_page(page, "board-report-bad-month")
    # A participant is not staff.
    other = await new_page(js=False)
    await sign_in_as(other, stack, "participant")
    refused = await other.goto(f"{stack.portal}/staff/reports/board")
    assert refused is not None
    assert refused.status in (403, 404)
