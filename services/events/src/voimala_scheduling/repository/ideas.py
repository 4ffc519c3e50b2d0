"""Programme ideas as the participants service announced them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from voimala_kit import Connection


async def add(
    conn: Connection,
    idea_id: uuid.UUID,
    text: str,
    theme: str,
    language: str,
    author: uuid.UUID | None,
    submitted_at: datetime,
) -> None:
    await conn.execute(
        """
        INSERT INTO idea (id, text, theme, language, author_participant_id, submitted_at)
        VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING
        """,
        idea_id,
        text,
        theme,
        language,
        author,
        submitted_at,
    )


async def ranked(conn: Connection, include_realised: bool, limit: int) -> list[dict[str, Any]]:
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
    return [dict(r) for r in rows]


async def get_many(conn: Connection, idea_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT id, author_participant_id, series_id FROM idea WHERE id = ANY($1::uuid[]) "
        "FOR UPDATE",
        idea_ids,
    )
    return [dict(r) for r in rows]


async def link(conn: Connection, idea_ids: list[uuid.UUID], series_id: uuid.UUID) -> None:
    await conn.execute(
        "UPDATE idea SET series_id = $2, realised_at = now() WHERE id = ANY($1::uuid[])",
        idea_ids,
        series_id,
    )
