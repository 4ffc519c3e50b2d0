"""Ideas for the programme, for staff planning: ranked by how many asked."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from voimala_kit import PlatformDep

from ..repository import ideas
from .deps import Staff

router = APIRouter(tags=["ideas"])


@router.get("/ideas")
async def ranked(
    who: Staff,
    platform: PlatformDep,
    include_realised: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Any:
    """Ideas grouped by what they ask (same text, case and punctuation aside), most asked first.
    Authors are not shown: only how many asked."""
    async with platform.db.connection() as conn:
        rows = await ideas.ranked(conn, include_realised, limit)
    return {
        "items": [
            {
                "theme": r["theme"],
                "text": r["text"],
                "asked": r["asked"],
                "idea_ids": [str(i) for i in r["idea_ids"]],
                "languages": sorted(r["languages"]),
                "first_submitted_at": r["first_submitted_at"].isoformat(),
                "last_submitted_at": r["last_submitted_at"].isoformat(),
                "series_id": str(r["series_id"]) if r["series_id"] else None,
            }
            for r in rows
        ]
    }
