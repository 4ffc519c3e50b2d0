"""The repositories' rows, without a database: what a record restores is what `__init__`
would have made, and the statements name every field of the row once."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import date, time

from voimala_scheduling.domain.occurrences import Occurrence
from voimala_scheduling.domain.series import Series
from voimala_scheduling.repository import occurrences, series

from .test_domain import occurrence


def _as_record(row: object, json_fields: tuple[str, ...]) -> dict[str, object]:
    """What asyncpg gives for the row: jsonb as its text, in the statement's column order."""
    values = dataclasses.asdict(row)  # type: ignore[call-overload]
    return {k: json.dumps(v) if k in json_fields else v for k, v in values.items()}


def test_an_occurrence_is_restored_as_it_would_be_made() -> None:
    made = occurrence()
    restored = occurrences._load(_as_record(made, ("title", "location", "description")))  # type: ignore[arg-type]
    assert restored == made
    assert restored.drop_in is False
    assert dataclasses.replace(restored, confirmed=5).confirmed == 5


def test_the_occurrence_statement_reads_every_field_with_the_series_values() -> None:
    columns = [occurrences._column(f.name) for f in dataclasses.fields(Occurrence)]
    listed = occurrences.SELECT.removeprefix("SELECT ").split(" FROM ")[0]
    assert listed == ", ".join(columns)
    assert occurrences.SELECT.endswith(" FROM occurrence o JOIN series s ON s.id = o.series_id")
    assert "COALESCE(o.title, s.title) AS title" in columns
    assert "s.slots_from" in columns
    assert "o.starts_at" in columns
    for field, column in zip(dataclasses.fields(Occurrence), columns, strict=True):
        assert column.endswith((f" AS {field.name}", f".{field.name}"))


def test_a_series_is_restored_as_it_would_be_made() -> None:
    made = Series(
        id=uuid.uuid4(),
        category="workshop",
        profession=None,
        title={"fi": "Työnhakupaja", "sv": None, "en": "Job search workshop"},
        description={"fi": ""},
        location={"fi": "Kahvila"},
        host_organisation=None,
        audience="everyone",
        capacity=None,
        rrule="FREQ=WEEKLY;BYDAY=TU",
        first_date=date(2027, 3, 2),
        start_time=time(10),
        end_time=time(12),
        skip_holidays=True,
        exdates=[],
        opens_days_before=30,
        closes_minutes_before=0,
        slot_minutes=None,
        slots_from=None,
        slots_until=None,
        ended_from=None,
        created_by="coordinator",
    )
    record = _as_record(made, ("title", "description", "location"))
    assert series._load(record) == made  # type: ignore[arg-type]
    assert list(record) == list(series.SERIES.columns)
    assert made.drop_in is True
