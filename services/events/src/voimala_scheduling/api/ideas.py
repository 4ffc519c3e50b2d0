"""Ideas for the programme, for staff planning: ranked by how many asked."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from ..repository import ideas
from ..repository.ideas import Theme
from .deps import PlatformDep, Staff

router = APIRouter(tags=["ideas"])


def _theme_out(t: Theme) -> dict[str, object]:
    return {
        "theme": t.theme,
        "text": t.text,
        "asked": t.asked,
        "idea_ids": [str(i) for i in t.idea_ids],
        "languages": sorted(t.languages),
        "first_submitted_at": t.first_submitted_at.isoformat(),
        "last_submitted_at": t.last_submitted_at.isoformat(),
        "series_id": str(t.series_id) if t.series_id else None,
    }


@router.get("/ideas", response_model=Any)
async def ranked(
    who: Staff,
    platform: PlatformDep,
    include_realised: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, list[dict[str, object]]]:
    """Ideas grouped by what they ask (same text, case and punctuation aside), most asked first.
    Authors are not shown: only how many asked."""
    async with platform.db.connection() as conn:
        rows = await ideas.ranked(conn, include_realised, limit)
    return {"items": [_theme_out(t) for t in rows]}
