"""The city board's report with the programme's attendance, on the page and as the PDF the
portal makes (the whole platform with its demo data, and one past date of a series of our own
with known registrations and attendance): the PDF is downloaded through the page's link, is
A4, titled and in Finnish in its metadata, and its text carries the same figures as the
participants and events services' reports; the page shows the same attendance."""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from pypdf import PdfReader
from voimala_kit.clock import HELSINKI
from voimala_portal.web.i18n import Translator

from .conftest import ARTIFACTS, NewPage, Stack, check_page, sign_in_as

pytestmark = pytest.mark.browser
FI = Translator("fi")
TITLE = {"fi": "Raporttikerho", "sv": "Rapportklubben", "en": "Report club"}


def _last_month() -> str:
    today = datetime.now(HELSINKI).date()
    return (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


async def _a_past_date_with_attendance(stack: Stack, month: str) -> None:
    """A date of last month, held and closed: three registered (two came, one did not) and a
    walk-in. Written into the events service's database: a date in the past cannot be made
    through its API."""
    conn = await asyncpg.connect(stack.platform["events"].env["EVENTS_DATABASE_URL"])
    try:
        sid, oid = uuid.uuid4(), uuid.uuid4()
        day = date.fromisoformat(f"{month}-10")
        starts = datetime.combine(day, datetime.min.time(), HELSINKI).replace(hour=14)
        await conn.execute(
            """
            INSERT INTO series (id, category, title, description, location, audience, capacity,
                rrule, first_date, start_time, end_time, created_by)
            VALUES ($1, 'language_cafe', $2::jsonb, '{"fi": "-"}', '{"fi": "Kirjasto"}',
                'everyone', 6, 'FREQ=WEEKLY;COUNT=1', $3, '14:00', '15:00', 'test')
            """,
            sid,
            json.dumps(TITLE),
            day,
        )
        await conn.execute(
            """
            INSERT INTO occurrence (id, series_id, rule_date, starts_at, ends_at,
                attendance_closed_at)
            VALUES ($1, $2, $3, $4::timestamptz, $4::timestamptz + interval '1 hour',
                $4::timestamptz + interval '13 hours')
            """,
            oid,
            sid,
            day,
            starts,
        )
        for came in ("attended", "attended", "no_show", None):
            pid, rid = uuid.uuid4(), uuid.uuid4()
            if came is not None:
                await conn.execute(
                    "INSERT INTO registration (id, occurrence_id, participant_id, person_key,"
                    " status) VALUES ($1, $2, $3, $4, 'confirmed')",
                    rid,
                    oid,
                    pid,
                    f"p:{pid}",
                )
            await conn.execute(
                "INSERT INTO attendance (id, occurrence_id, registration_id, participant_id,"
                " person_key, status, walk_in, recorded_by)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, 'test')",
                uuid.uuid4(),
                oid,
                rid if came else None,
                pid,
                f"p:{pid}",
                came or "attended",
                came is None,
            )
    finally:
        await conn.close()


async def _reports(
    stack: Stack, token: Callable[..., str], month: str
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The participants service's month and year so far, and the events service's year."""
    headers = {"Authorization": f"Bearer {token('coordinator')}"}
    first = date.fromisoformat(f"{month}-01")
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    year = {"from": f"{first.year}-01-01", "to": last.isoformat()}
    async with httpx.AsyncClient(headers=headers) as c:
        got = [
            await c.get(f"{stack.url('participants')}/reports/programme", params={"month": month}),
            await c.get(
                f"{stack.url('participants')}/reports/programme",
                params={"start": year["from"], "end": year["to"]},
            ),
            await c.get(f"{stack.url('events')}/reports/attendance", params=year),
        ]
    for r in got:
        assert r.status_code == 200, r.text
    return got[0].json(), got[1].json(), got[2].json()


def _lines(pdf: bytes) -> list[str]:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return [re.sub(r"\s+", " ", line.replace("\xa0", " ")).strip() for line in text.splitlines()]


def _row(label: str, *values: int | str) -> str:
    cells = [v if isinstance(v, str) else FI.number(v) for v in values]
    return " ".join([label, *cells]).replace("\xa0", " ")


async def test_the_board_report_as_a_pdf_in_finnish_with_the_attendance(
    stack: Stack, new_page: NewPage, token: Callable[..., str]
) -> None:
    month = _last_month()
    await _a_past_date_with_attendance(stack, month)
    in_month, in_year, attendance = await _reports(stack, token, month)
    att_month, att_year = attendance["months"][-1], attendance["total"]
    assert att_month["month"] == month
    page = await new_page()
    await sign_in_as(page, stack, "coordinator")
    await page.goto(f"{stack.portal}/staff/reports/board?month={month}")
    await check_page(page, "board-report-attendance")

    # The page: the attendance among the key figures, and the series of our own by itself.
    row = page.locator("table.board-key tr", has=page.locator("th", has_text="Osallistujia,"))
    cells = [(await c.inner_text()).replace("\xa0", " ") for c in await row.locator("td").all()]
    assert cells == [FI.number(att_month["attended"]), FI.number(att_year["attended"])]
    ours = page.locator("table.board-series tr", has=page.locator("th", has_text=TITLE["fi"]))
    assert [c.strip() for c in await ours.locator("td").all_inner_texts()] == [
        "1",
        "3",
        "3",
        "1",
        "67\xa0%",
        "3",
    ]
    charts = page.locator("svg.board-chart")
    assert await charts.count() == 6
    attendance_chart = page.locator(
        "svg.board-chart", has=page.locator("title", has_text="Osallistuminen")
    )
    assert await attendance_chart.locator("path").count() == 0
    desc = await attendance_chart.locator("desc").text_content() or ""
    assert f"Tulleet {att_month['attended']}" in desc.split(";")[-1]

    # The PDF, through the page's link.
    link = page.get_by_role("link", name="Lataa raportti PDF-tiedostona (suomeksi)")
    href = await link.get_attribute("href")
    assert href == f"/staff/reports/board.pdf?month={month}"
    response = await page.request.get(f"{stack.portal}{href}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = await response.body()
    assert pdf.startswith(b"%PDF")
    (ARTIFACTS / "board-report-server.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata is not None
    assert reader.metadata.title is not None
    assert reader.metadata.title.startswith("Raportti kaupunginhallitukselle: ")
    assert reader.trailer["/Root"]["/Lang"] == "fi"
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points

    lines = _lines(pdf)
    assert lines[0] == reader.metadata.title
    for label, m, y in (
        ("Aloittaneet osallistujat", in_month["entries"]["total"], in_year["entries"]["total"]),
        (
            "Käynnit palvelupisteessä",
            in_month["service_point"]["visits"],
            in_year["service_point"]["visits"],
        ),
        ("Pidettyjä ohjelmakertoja", att_month["occurrences_held"], att_year["occurrences_held"]),
        (
            "Ilmoittautumiset pidetyille kerroille",
            att_month["registrations"],
            att_year["registrations"],
        ),
        ("Ilmoittautuneita, jotka eivät saapuneet", att_month["no_shows"], att_year["no_shows"]),
        (
            "Eri osallistujia (henkilöitä)",
            att_month["unique_attendees"],
            att_year["unique_attendees"],
        ),
    ):
        assert _row(label, m, y) in lines, (label, [line for line in lines if label in line])
    assert _row(TITLE["fi"], 1, 3, 3, 1, "67 %", 3) in lines
    # Every chart's heading, and the figures of a chart written as text under it.
    for heading in (
        "Aloittaneet ja päättäneet osallistujat kuukausittain",
        "Osallistuminen ohjelman kerroille kuukausittain",
        "Läpimenoajat rekisteröinnistä, mediaani päivinä",
    ):
        assert heading in lines
    outline = [
        item.title
        for part in reader.outline
        for item in (part if isinstance(part, list) else [part])
        if not isinstance(item, list)
    ]
    assert "Osallistuminen ohjelman kerroille kuukausittain" in outline


async def test_the_pdf_in_swedish_when_asked_and_a_bad_month_refused(
    stack: Stack, new_page: NewPage
) -> None:
    page = await new_page(lang="sv")
    await sign_in_as(page, stack, "counsellor")
    month = _last_month()
    await page.goto(f"{stack.portal}/staff/reports/board?month={month}&lang=sv")
    link = page.get_by_role("link", name="Ladda ner rapporten som PDF på detta språk")
    response = await page.request.get(f"{stack.portal}{await link.get_attribute('href')}")
    assert response.status == 200
    reader = PdfReader(io.BytesIO(await response.body()))
    assert reader.trailer["/Root"]["/Lang"] == "sv"
    assert reader.metadata is not None
    assert (reader.metadata.title or "").startswith("Rapport till stadsstyrelsen: ")
    # Without `lang`, Finnish whatever the page's language.
    finnish = await page.request.get(f"{stack.portal}/staff/reports/board.pdf?month={month}")
    assert PdfReader(io.BytesIO(await finnish.body())).trailer["/Root"]["/Lang"] == "fi"
    wrong = await page.request.get(f"{stack.portal}/staff/reports/board.pdf?month=1999-13")
    assert wrong.status == 400
    # A participant gets no PDF.
    other = await new_page(js=False)
    await sign_in_as(other, stack, "participant")
    refused = await other.request.get(f"{stack.portal}/staff/reports/board.pdf?month={month}")
    assert refused.status in (403, 404)
