"""The programme's attendance counted in PostgreSQL: per occurrence of a period, and different
people per month and series. Only counts leave the database: no person key, no id of a person.
"""

from __future__ import annotations

import json
from datetime import datetime

from voimala_kit.db import Connection

from ..domain.attendance_report import OccurrenceCounts, UniqueCount

#: The month an occurrence belongs to: the one it starts in, in Helsinki.
_MONTH = "to_char(o.starts_at AT TIME ZONE 'Europe/Helsinki', 'YYYY-MM')"

_PER_OCCURRENCE = f"""
SELECT o.series_id, s.title AS series_title, {_MONTH} AS month, o.status,
       o.ends_at <= $3 AS ended,
       COALESCE(o.capacity, s.capacity) AS capacity,
       s.slot_minutes, s.slots_from, s.slots_until,
       COALESCE(g.registrations, 0) AS registrations, COALESCE(g.waitlisted, 0) AS waitlisted,
       COALESCE(a.attended, 0) AS attended,
       COALESCE(a.attended_registered, 0) AS attended_registered,
       COALESCE(a.walk_ins, 0) AS walk_ins, COALESCE(a.no_shows, 0) AS no_shows
FROM occurrence o
JOIN series s ON s.id = o.series_id
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE r.status = 'confirmed') AS registrations,
           count(*) FILTER (WHERE r.status = 'waitlisted') AS waitlisted
    FROM registration r WHERE r.occurrence_id = o.id
) g ON true
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE t.status = 'attended') AS attended,
           count(*) FILTER (WHERE t.status = 'attended' AND NOT t.walk_in) AS attended_registered,
           count(*) FILTER (WHERE t.status = 'attended' AND t.walk_in) AS walk_ins,
           count(*) FILTER (WHERE t.status = 'no_show') AS no_shows
    FROM attendance t WHERE t.occurrence_id = o.id
) a ON true
WHERE o.starts_at >= $1 AND o.starts_at < $2
ORDER BY o.starts_at, o.id
"""  # noqa: S608 - the month expression is code

# A participant's or a guest's person key names them across dates; an anonymous walk-in has
# none and counts once, by the row. Only held dates: begun and ended, not cancelled.
_UNIQUE = f"""
SELECT {_MONTH} AS month, o.series_id,
       GROUPING({_MONTH}) = 1 AS all_months, GROUPING(o.series_id) = 1 AS all_series,
       count(DISTINCT COALESCE(t.person_key, 'w:' || t.id::text)) AS people
FROM attendance t
JOIN occurrence o ON o.id = t.occurrence_id
WHERE t.status = 'attended' AND o.status = 'scheduled' AND o.ends_at <= $3
  AND o.starts_at >= $1 AND o.starts_at < $2
GROUP BY GROUPING SETS (({_MONTH}, o.series_id), ({_MONTH}), (o.series_id), ())
"""  # noqa: S608 - the month expression is code


async def per_occurrence(
    conn: Connection, since: datetime, until: datetime, now: datetime
) -> list[OccurrenceCounts]:
    """Every occurrence starting in [since, until), with its registrations and attendance."""
    rows = await conn.fetch(_PER_OCCURRENCE, since, until, now)
    found = []
    for r in rows:
        values = dict(r.items())
        if isinstance(values["series_title"], str):  # jsonb comes as its text
            values["series_title"] = json.loads(values["series_title"])
        found.append(OccurrenceCounts(**values))
    return found


async def unique_attendees(
    conn: Connection, since: datetime, until: datetime, now: datetime
) -> list[UniqueCount]:
    """Different people attended, per month and series, per month, per series and in all."""
    rows = await conn.fetch(_UNIQUE, since, until, now)
    return [
        UniqueCount(
            month=None if r["all_months"] else r["month"],
            series_id=None if r["all_series"] else r["series_id"],
            people=r["people"],
        )
        for r in rows
    ]
