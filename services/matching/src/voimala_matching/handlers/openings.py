"""Openings of partners: posted, changed, published, closed."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from voimala_contracts.matching import OpeningClosed, OpeningPosted, OpeningUpdated
from voimala_kit.db import Connection
from voimala_kit.refusals import conflict, invalid, not_found

from ..domain.scoring import norm
from ..repository import openings, partners
from ..repository import proposals as proposal_repo
from ..repository.openings import OpeningFields, OpeningRow
from . import openings_optimiser, proposals
from .deps import Deps

#: Columns that cannot be emptied: a change that gives them as null leaves them as they are.
_KEPT_IF_NULL = ("title", "places", "status", "remote", "required_skills", "nice_skills")
_PUBLISHED = (
    "type",
    "title",
    "status",
    "municipality",
    "remote",
    "places",
    "start_date",
    "deadline",
    "required_skills",
    "nice_skills",
    "languages",
)


@dataclass(frozen=True)
class PostOpening:
    partner_id: uuid.UUID
    opening: OpeningFields


@dataclass(frozen=True)
class ChangeOpening:
    opening_id: uuid.UUID
    #: Only the fields given change (a subset of `OpeningFields`' names).
    changes: Mapping[str, Any]


def _published(o: OpeningRow) -> dict[str, Any]:
    return {"opening_id": o.id, "partner_id": o.partner_id} | {
        name: getattr(o, name) for name in _PUBLISHED
    }


def _check_deadline(deps: Deps, deadline: date | None) -> None:
    if deadline is not None and deadline < deps.clock.today():
        raise invalid("deadline", "the deadline is in the past")


async def post_opening(deps: Deps, conn: Connection, cmd: PostOpening) -> OpeningRow:
    if await partners.get(conn, cmd.partner_id) is None:
        raise not_found("partner")
    _check_deadline(deps, cmd.opening.deadline)
    fields = dataclasses.replace(
        cmd.opening,
        required_skills=norm(cmd.opening.required_skills),
        nice_skills=norm(cmd.opening.nice_skills),
    )
    row = await openings.insert(conn, uuid.uuid4(), cmd.partner_id, fields)
    if row.status == "open":
        await deps.outbox.add(conn, OpeningPosted(**_published(row)), subject=str(row.id))
        await openings_optimiser.request(deps, conn, "opening")
    return row


async def change_opening(deps: Deps, conn: Connection, cmd: ChangeOpening) -> OpeningRow:
    current = await openings.get(conn, cmd.opening_id, lock=True)
    if current is None:
        raise not_found("opening")
    if current.status in ("filled", "closed"):
        raise conflict(f"the opening is {current.status}")
    patch = dict(cmd.changes)
    if "deadline" in patch:
        _check_deadline(deps, patch["deadline"])
    places = patch.get("places")
    if places is not None and places < await openings.taken(conn, cmd.opening_id):
        raise conflict("fewer places than candidates already accepted")
    for key in ("required_skills", "nice_skills"):
        if patch.get(key) is not None:
            patch[key] = norm(patch[key])
    for key in _KEPT_IF_NULL:
        if key in patch and patch[key] is None:
            del patch[key]
    row = await openings.update(conn, cmd.opening_id, _fields_of(current, patch))
    await _publish_change(deps, conn, current.status, row)
    if row.status == "open":
        await openings_optimiser.request(deps, conn, "opening")
    return row


def _fields_of(current: OpeningRow, patch: Mapping[str, Any]) -> OpeningFields:
    """The opening's fields as they are, with `patch` applied."""
    names = (f.name for f in dataclasses.fields(OpeningFields))
    return OpeningFields(**{name: patch.get(name, getattr(current, name)) for name in names})


async def _publish_change(deps: Deps, conn: Connection, was: str, row: OpeningRow) -> None:
    if row.status == "closed":
        await _close(deps, conn, row, "closed_by_partner")
    elif was == "draft" and row.status == "open":
        await deps.outbox.add(conn, OpeningPosted(**_published(row)), subject=str(row.id))
    elif row.status == "open":
        await deps.outbox.add(conn, OpeningUpdated(**_published(row)), subject=str(row.id))


async def _close(deps: Deps, conn: Connection, row: OpeningRow, reason: str) -> None:
    """`opening.closed.v1`, and its unanswered proposals withdrawn."""
    closed = OpeningClosed(
        opening_id=row.id, partner_id=row.partner_id, status="closed", reason=reason
    )
    await deps.outbox.add(conn, closed, subject=str(row.id))
    for p in await proposal_repo.live_of(conn, opening_id=row.id):
        await proposals.withdraw_one(deps, conn, p, "opening_closed")


async def close_past_deadline(deps: Deps, conn: Connection, limit: int) -> int:
    rows = await openings.past_deadline(conn, limit)
    for row in rows:
        await openings.set_status(conn, row.id, "closed")
        await _close(deps, conn, row, "deadline_passed")
    return len(rows)
