"""The counsellor's worklist: what the programme noticed, for staff to act on."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from voimala_kit import Page, next_time_cursor, time_cursor

from ..domain.worklist import NOTE_MAX, Close, Reason, Status
from ..handlers.worklist import CloseItem, close_item
from ..repository import worklist
from ..repository.worklist import WorklistRow
from .deps import PlatformDep, Purpose, Staff, audited

router = APIRouter(prefix="/worklist", tags=["worklist"])
Limit = Annotated[int, Query(ge=1, le=200)]


class WorklistItemOut(BaseModel):
    id: uuid.UUID
    participant_id: uuid.UUID
    reason: Reason = Field(
        description="`no_shows_in_a_row` (no-shows in a row) or `inactive` (no activity for a "
        "month)"
    )
    detail: dict[str, Any] = Field(description="the rule's facts: ids, counts, dates")
    status: Status
    created_at: datetime
    closed_at: datetime | None = None
    closed_by: str | None = None
    note: str | None = None


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(None, max_length=NOTE_MAX, description="what was done, or why not")


def _out(row: WorklistRow) -> WorklistItemOut:
    return WorklistItemOut.model_validate(row, from_attributes=True)


@router.get("", response_model=Page[WorklistItemOut])
async def read_worklist(
    who: Staff,
    purpose: Purpose,
    platform: PlatformDep,
    status: Annotated[Literal["open", "done", "dismissed"] | None, Query()] = "open",
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[WorklistItemOut]:
    """The items of one status (default open), newest first, cursor-paged. Every participant
    the page names is audited (`read_worklist`)."""
    before = time_cursor(cursor)
    async with platform.db.transaction() as conn:
        rows = await worklist.page(conn, status, before, limit + 1)
        named = list(dict.fromkeys(r.participant_id for r in rows[:limit]))
        if named:
            await audited(conn, who, named, "read_worklist", purpose)
    return Page[WorklistItemOut](
        items=[_out(r) for r in rows[:limit]],
        next_cursor=next_time_cursor(rows, limit, lambda r: (r.created_at, r.id)),
    )


async def _close(
    item_id: uuid.UUID, close: Close, body: CloseIn, who: Staff, purpose: str, platform: PlatformDep
) -> WorklistItemOut:
    async with platform.db.transaction() as conn:
        row = await close_item(platform.deps, conn, CloseItem(item_id, close, body.note), who)
        await audited(conn, who, [row.participant_id], f"worklist.{close}", purpose)
    return _out(row)


@router.post("/{item_id}/done", response_model=WorklistItemOut)
async def mark_done(
    item_id: uuid.UUID, body: CloseIn, who: Staff, purpose: Purpose, platform: PlatformDep
) -> WorklistItemOut:
    """The item was acted on; the note says how. An entry `worklist.done` on the
    participant's path. 404 for no such item, 409 for one closed before."""
    return await _close(item_id, "done", body, who, purpose, platform)


@router.post("/{item_id}/dismiss", response_model=WorklistItemOut)
async def dismiss(
    item_id: uuid.UUID, body: CloseIn, who: Staff, purpose: Purpose, platform: PlatformDep
) -> WorklistItemOut:
    """The item needs nothing; the note says why. An entry `worklist.dismissed` on the
    participant's path. 404 for no such item, 409 for one closed before."""
    return await _close(item_id, "dismissed", body, who, purpose, platform)
