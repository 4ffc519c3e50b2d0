"""A report's figures from given facts, and its CSV: pure, no database."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest
from voimala_participants.domain.reports import (
    Entry,
    Facts,
    Milestone,
    Outcome,
    VisitFact,
    build,
    education,
    to_csv,
    to_svg,
)

START, END = date(2026, 3, 1), date(2026, 3, 31)
AS_OF = datetime(2026, 4, 1, tzinfo=UTC)


def _facts() -> Facts:
    return Facts(
        entries=[
            Entry(1, "female", "under_30", True, 2, "subsidy_500_plus"),
            Entry(2, None, "30_54", False, None, None),
        ],
        exits=[Outcome("employed")],
        follow_ups=[],
        visits=[
            VisitFact("workshop", "55_plus", 3, identified=False),
            VisitFact("other", "under_30", 1, identified=True),
        ],
        milestones=[
            Milestone(date(2026, 2, 20), date(2026, 3, 2), None, None),  # 10 days, in March
            Milestone(date(2026, 3, 1), date(2026, 4, 2), date(2026, 3, 5), None),  # April: out
        ],
    )


@pytest.mark.parametrize(
    ("level", "band"),
    [(None, "unknown"), (0, "isced_0_2"), (2, "isced_0_2"), (4, "isced_3_4"), (8, "isced_5_8")],
)
def test_education_levels_fall_in_the_esf_bands(level: int | None, band: str) -> None:
    assert education(level) == band


def test_the_figures_count_every_category_zero_or_not() -> None:
    report = build(START, END, AS_OF, _facts())
    entries = report["entries"]
    assert (entries["total"], entries["new_participants"], entries["returning"]) == (2, 1, 1)
    assert entries["youth_share"] == 0.5
    assert entries["by_gender"] == {"female": 1, "male": 0, "other": 0, "unknown": 1}
    assert entries["by_education"]["unknown"] == 1
    assert entries["by_target_group"]["none"] == 1
    assert report["exits"]["by_outcome"]["employed"] == 1
    assert report["follow_ups"]["total"] == 0
    assert set(report["follow_ups"]["by_outcome"].values()) == {0}
    point = report["service_point"]
    assert (point["visits"], point["identified"], point["anonymous"]) == (4, 1, 3)
    assert point["by_age_group"]["55_plus"] == 3
    lead = report["lead_times_days"]
    assert lead["registration_to_first_activity"] == {"count": 1, "median": 10.0, "mean": 10.0}
    assert lead["registration_to_first_proposal"] == {"count": 1, "median": 4.0, "mean": 4.0}
    assert lead["registration_to_outcome"] == {"count": 0, "median": None, "mean": None}


def test_the_csv_has_a_bom_semicolons_and_decimal_commas() -> None:
    text = to_csv(build(START, END, AS_OF, _facts()))
    assert text.startswith("\ufeffsection;figure;value;nimike\r\n")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert ["entries", "youth_share", "0,5", "Aloittaneet: nuorten osuus"] in rows
    assert ["period", "as_of", AS_OF.isoformat(), "Kausi: tilanne"] in rows
    # Beside each code key its Finnish name, for a person reading the sheet.
    assert ["entries", "by_gender.female", "1", "Aloittaneet: sukupuoli: nainen"] in rows
    assert all(len(row) == 4 and row[3] for row in rows)


SVG = "{http://www.w3.org/2000/svg}"


def test_the_chart_is_an_image_with_words_and_an_empty_panel_says_so() -> None:
    svg = to_svg(build(START, END, AS_OF, _facts()))
    root = ET.fromstring(svg)  # noqa: S314 - made here
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None
    assert title.text == "VOITTO ja Voimala 2.0: 1.3.2026\u201331.3.2026"  # d.m.yyyy
    assert desc is not None
    assert "työllistyi 1" in (desc.text or "")
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "Päättyneet tuloksen mukaan" in texts
    assert "2026-03-01" not in svg.decode()
    # Nobody left in March: that panel says so instead of an axis from -0.045 to 0.045.
    empty = _facts()
    empty.exits.clear()
    drawn = to_svg(build(START, END, AS_OF, empty)).decode()
    assert "ei tietoja" in drawn
    assert "0.045" not in drawn
    assert "\u22120.04" not in drawn
