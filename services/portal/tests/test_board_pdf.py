"""The city board's report as a PDF, from known figures (the browser suite downloads it from the
real platform): A4, title and language in the document, every figure written as text that a
reader extracts, the chart's bars with their numbers, in Finnish and Swedish."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from pypdf import PdfReader
from voimala_portal.api.staff_programme.board_content import LEADS, OUTCOMES, Figures, content
from voimala_portal.api.staff_programme.board_pdf import latin, render_pdf
from voimala_portal.web.i18n import Translator

MONTHS = ["2026-01", "2026-02", "2026-03"]


def _programme(started: int) -> dict[str, Any]:
    return {
        "entries": {"total": started, "youth": 1},
        "exits": {"total": 2, "by_outcome": {o: (1 if o == "employed" else 0) for o in OUTCOMES}},
        "service_point": {"visits": 40 + started},
        "lead_times_days": {k: {"median": 12.5} for k in LEADS},
        "as_of": "2026-04-01T06:00:00+00:00",
    }


def _attendance(held: int, came: int) -> dict[str, Any]:
    figures = {
        "occurrences_held": held,
        "occurrences_cancelled": 1,
        "occurrences_upcoming": 0,
        "places_offered": 1234,
        "held_without_place_limit": 0,
        "registrations": 20 + came,
        "waitlisted": 0,
        "attended": came,
        "attended_registered": came - 1,
        "walk_ins": 1,
        "no_shows": 4,
        "attendance_rate": 0.8,
        "unique_attendees": 9,
    }
    series = {"series_id": "s", "title": {"fi": "Kielikahvila", "sv": "Språkcafé", "en": None}}
    return figures | {"series": [series | figures]}


FIGURES = Figures(
    month="2026-03",
    months=MONTHS,
    monthly=[_programme(n) for n in (3, 5, 7)],
    year=_programme(15),
    attendance={
        "months": [{"month": m} | _attendance(2, 10 + n) for n, m in enumerate(MONTHS)],
        "total": _attendance(6, 33),
    },
    ideas=[],
)


def _text(pdf: bytes) -> list[str]:
    pages = PdfReader(io.BytesIO(pdf)).pages
    text = "\n".join(page.extract_text() for page in pages)
    return [re.sub(r"\s+", " ", line.replace("\xa0", " ")).strip() for line in text.splitlines()]


@pytest.mark.parametrize(
    ("language", "title", "rows"),
    [
        (
            "fi",
            "Raportti kaupunginhallitukselle: maaliskuu 2026",
            [
                "Aloittaneet osallistujat 7 15",
                "Tarjotut paikat pidetyillä kerroilla 1 234 1 234",
                "Osallistujia, ilman ilmoittautumista tulleet mukaan lukien 12 33",
                "Ilmoittautuneiden osallistumisaste 80 % 80 %",
                "Kielikahvila 6 53 33 4 80 % 9",
            ],
        ),
        (
            "sv",
            "Rapport till stadsstyrelsen: mars 2026",
            ["Språkcafé 6 53 33 4 80 % 9", "Närvarograd bland de anmälda 80 % 80 %"],
        ),
    ],
)
def test_the_pdf_carries_the_figures_as_text(language: str, title: str, rows: list[str]) -> None:
    t = Translator(language)  # type: ignore[arg-type]
    pdf = render_pdf(t, content(t, FIGURES), datetime(2026, 4, 1, tzinfo=UTC))
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata is not None
    assert reader.metadata.title == title
    assert reader.trailer["/Root"]["/Lang"] == language
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    lines = _text(pdf)
    assert lines[0] == title
    for row in rows:
        assert row in lines, (row, [line for line in lines if row.split(" ")[0] in line])
    # The attendance chart: its bars' numbers are text (registrations 30, 31, 32 by month).
    assert {"30", "31", "32"} <= {word for line in lines for word in line.split(" ")}


def test_characters_helvetica_lacks_become_their_nearest() -> None:
    quote = "\N{RIGHT DOUBLE QUOTATION MARK}"
    written = f"Työ \N{EN DASH} {quote}Språk{quote} 1\u202f234 \N{MINUS SIGN}2"
    assert latin(written) == 'Työ - "Språk" 1\xa0234 -2'
    assert latin("Łódź") == "?ódz"  # ź decomposes to z; Ł has no nearest in Latin-1
