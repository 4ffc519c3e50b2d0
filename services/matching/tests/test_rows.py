"""Typed rows: jsonb columns are parsed on the way in and written as JSON text on the way out
(no database)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from voimala_matching.repository import load, to_json
from voimala_matching.repository.openings import OPENINGS, OpeningRow, to_scoring

LANGUAGES = [{"code": "fi", "min_level": "B1"}]


def _record() -> dict[str, Any]:
    now = datetime(2027, 3, 1, 12, tzinfo=UTC)
    return {
        "id": uuid.uuid4(),
        "partner_id": uuid.uuid4(),
        "type": "job",
        "title": "Warehouse worker",
        "description": "",
        "required_skills": ["forklift"],
        "nice_skills": [],
        "languages": json.dumps(LANGUAGES),
        "municipality": "Salo",
        "remote": False,
        "hours": "full_time",
        "start_date": date(2027, 4, 1),
        "places": 2,
        "deadline": None,
        "status": "open",
        "created_at": now,
        "updated_at": now,
    }


def test_a_record_becomes_its_row_with_jsonb_parsed() -> None:
    record = _record()
    row = load(OPENINGS, record, "languages")  # type: ignore[arg-type]
    assert isinstance(row, OpeningRow)
    assert row.languages == LANGUAGES
    assert row.places == 2
    assert row.id == record["id"]
    assert to_scoring(row).languages == {"fi": 3}


def test_a_row_is_written_with_jsonb_as_text() -> None:
    row = load(OPENINGS, _record(), "languages")  # type: ignore[arg-type]
    written = to_json(OPENINGS, row, "languages")
    assert json.loads(written[OPENINGS.columns.index("languages")]) == LANGUAGES
    assert written[OPENINGS.columns.index("required_skills")] == ["forklift"]
