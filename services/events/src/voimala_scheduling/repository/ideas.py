"""Programme ideas as the participants service announced them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from voimala_kit.db import Connection
from voimala_kit.rows import Table

from ..domain.ideas import Idea

IDEAS = Table("idea", Idea)


@dataclass(frozen=True, slots=True)
class Theme:
    """Ideas with the same normalised text, counted together (no authors)."""

    theme: str
    asked: int
    text: str
    idea_ids: list[uuid.UUID]
    languages: list[str]
    first_submitted_at: datetime
    last_submitted_at: datetime
    series_id: uuid.UUID | None


async def add(conn: Connection, idea: Idea) -> None:
    """Kept once: the same event read again changes nothing."""
    await conn.execute(IDEAS.insert("ON CONFLICT (id) DO NOTHING"), *IDEAS.values(idea))


async def ranked(conn: Connection, include_realised: bool, limit: int) -> list[Theme]:
    """Themes (ideas with the same normalised text) by how many asked, most first."""
    rows = await conn.fetch(
        """
        SELECT theme, count(*) AS asked, min(text) AS text,
               array_agg(id ORDER BY submitted_at) AS idea_ids,
               array_agg(DISTINCT language) AS languages,
               min(submitted_at) AS first_submitted_at, max(submitted_at) AS last_submitted_at,
               (array_agg(series_id) FILTER (WHERE series_id IS NOT NULL))[1] AS series_id
        FROM idea
        WHERE $1 OR series_id IS NULL
        GROUP BY theme
        ORDER BY count(*) DESC, max(submitted_at) DESC
        LIMIT $2
        """,
        include_realised,
        limit,
    )
    return [Theme(**dict(r)) for r in rows]


async def get_many(conn: Connection, idea_ids: list[uuid.UUID]) -> list[Idea]:
    """The ideas, locked (two staff members linking one idea take turns)."""
    rows = await conn.fetch(IDEAS.select("WHERE id = ANY($1::uuid[]) FOR UPDATE"), idea_ids)
    return IDEAS.load_all(rows)


async def link(conn: Connection, idea_ids: list[uuid.UUID], series_id: uuid.UUID) -> None:
    await conn.execute(
        "UPDATE idea SET series_id = $2, realised_at = now() WHERE id = ANY($1::uuid[])",
        idea_ids,
        series_id,
    )
