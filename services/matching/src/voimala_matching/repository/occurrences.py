"""The programme's upcoming occurrences and what they teach, kept from `voimala.events`
(`handlers/programme.py`); read for the next steps of explanations. Public, no person."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from voimala_kit.db import Connection
from voimala_kit.rows import Table

from ..domain.next_steps import Upcoming
from . import load_all, to_json

OCCURRENCES = Table("programme_occurrence", Upcoming, key="occurrence_id")
_JSON = ("title", "location")
# (an occurrence moved from one series' event to the next: the newest word wins)
_INSERT = OCCURRENCES.insert(
    "ON CONFLICT (occurrence_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in OCCURRENCES.columns if c != "occurrence_id")
)


async def replace_series(
    conn: Connection, series_id: uuid.UUID, upcoming: Sequence[Upcoming]
) -> None:
    """The series' upcoming occurrences are now these (a series changed from a date on)."""
    await conn.execute("DELETE FROM programme_occurrence WHERE series_id = $1", series_id)
    for u in upcoming:
        await conn.execute(_INSERT, *to_json(OCCURRENCES, u, *_JSON))


async def teaching_after(conn: Connection, after: datetime) -> list[Upcoming]:
    """Every occurrence starting after `after` whose series teaches something."""
    rows = await conn.fetch(
        OCCURRENCES.select("WHERE starts_at > $1 AND cardinality(teaches) > 0 ORDER BY starts_at"),
        after,
    )
    return load_all(OCCURRENCES, rows, *_JSON)
