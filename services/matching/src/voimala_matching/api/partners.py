"""Partners and their openings."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from voimala_kit.db import Connection
from voimala_kit.http import (
    Page,
    bad_cursor,
    decode_cursor,
    encode_cursor,
    next_time_cursor,
    time_cursor,
)
from voimala_kit.refusals import not_found

from ..handlers import openings as opening_cases
from ..handlers import partners as partner_cases
from ..repository import openings, partner_names, partners
from ..repository.openings import OpeningFields, OpeningRow
from .deps import Anyone, Coordinator, PlatformDep, Staff, StaffOrEmployer, is_staff, own_partner
from .schemas import (
    OpeningIn,
    OpeningOut,
    OpeningPatch,
    PartnerIn,
    PartnerOut,
    fields_of,
    partner_out,
)

router = APIRouter(tags=["partners and openings"])


@router.post("/partners", status_code=201, response_model=PartnerOut)
async def register_partner(body: PartnerIn, who: Coordinator, platform: PlatformDep) -> PartnerOut:
    """A coordinator registers an employer (business ID validated) or an association, with the
    contact people who log in as `employer` (token claim `org` = the partner id)."""
    cmd = partner_cases.RegisterPartner(
        kind=body.kind,
        name=body.name,
        business_id=body.business_id,
        municipality=body.municipality,
        contacts=[partner_cases.Contact(**c.model_dump()) for c in body.contacts],
    )
    async with platform.db.transaction() as conn:
        found = await partner_cases.register_partner(platform.deps, conn, cmd)
    return partner_out(found)


@router.get("/partners", response_model=Page[PartnerOut])
async def list_partners(
    who: Staff,
    platform: PlatformDep,
    kind: Literal["employer", "association"] | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[PartnerOut]:
    """Staff: every partner by name, with its contact people (a cursor page)."""
    async with platform.db.connection() as conn:
        rows = await partners.page(conn, kind, _name_cursor(cursor), limit + 1)
    items = [partner_out(r) for r in rows[:limit]]
    more = len(rows) > limit
    last = rows[limit - 1] if more else None
    return Page[PartnerOut](
        items=items,
        next_cursor=encode_cursor([last.name, str(last.id)]) if last else None,
    )


def _name_cursor(cursor: str | None) -> tuple[str, uuid.UUID] | None:
    """The (name, id) cursor of the partners' list, ordered by name."""
    if not cursor:
        return None
    name, pid = decode_cursor(cursor, 2)
    try:
        return str(name), uuid.UUID(str(pid))
    except ValueError:
        raise bad_cursor() from None


@router.get("/partners/{partner_id}", response_model=PartnerOut)
async def read_partner(
    partner_id: uuid.UUID, who: StaffOrEmployer, platform: PlatformDep
) -> PartnerOut:
    own_partner(who, partner_id)
    async with platform.db.connection() as conn:
        found = await partners.get(conn, partner_id)
    if found is None:
        raise not_found("partner")
    return partner_out(found)


@router.post("/partners/{partner_id}/openings", status_code=201, response_model=OpeningOut)
async def post_opening(
    partner_id: uuid.UUID, body: OpeningIn, who: StaffOrEmployer, platform: PlatformDep
) -> OpeningOut:
    """Post an opening (open, or draft to publish later). Employers post only their own."""
    own_partner(who, partner_id)
    cmd = opening_cases.PostOpening(partner_id, OpeningFields(**body.model_dump()))
    async with platform.db.transaction() as conn:
        row = await opening_cases.post_opening(platform.deps, conn, cmd)
        return (await _opening_outs(conn, [row]))[0]


@router.get("/openings", response_model=Page[OpeningOut])
async def list_openings(
    who: Anyone,
    platform: PlatformDep,
    partner_id: uuid.UUID | None = None,
    status: Literal["draft", "open", "filled", "closed"] | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[OpeningOut]:
    """Staff see all; an employer sees their own partner's; others see open openings only."""
    if who.has("employer") and not is_staff(who):
        if partner_id is None and who.org:
            partner_id = uuid.UUID(who.org) if _is_uuid(who.org) else None
        if partner_id is None:
            return Page[OpeningOut](items=[], next_cursor=None)
        own_partner(who, partner_id)
    elif not is_staff(who):
        status = "open"
    async with platform.db.connection() as conn:
        rows = await openings.page(conn, partner_id, status, time_cursor(cursor), limit + 1)
        items = await _opening_outs(conn, rows[:limit])
    after = next_time_cursor(rows, limit, lambda r: (r.created_at, r.id))
    return Page[OpeningOut](items=items, next_cursor=after)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@router.get("/openings/{opening_id}", response_model=OpeningOut)
async def read_opening(opening_id: uuid.UUID, who: Anyone, platform: PlatformDep) -> OpeningOut:
    async with platform.db.connection() as conn:
        row = await openings.get(conn, opening_id)
        found = await _opening_outs(conn, [row] if row else [])
    if row is None:
        raise not_found("opening")
    if row.status != "open" and not is_staff(who):
        if not who.has("employer"):
            raise not_found("opening")
        own_partner(who, row.partner_id)
    return found[0]


@router.patch("/openings/{opening_id}", response_model=OpeningOut)
async def change_opening(
    opening_id: uuid.UUID, body: OpeningPatch, who: StaffOrEmployer, platform: PlatformDep
) -> OpeningOut:
    """Change, publish (status open) or close (status closed) an opening of your own."""
    cmd = opening_cases.ChangeOpening(opening_id, body.model_dump(exclude_unset=True))
    async with platform.db.transaction() as conn:
        current = await openings.get(conn, opening_id)
        if current is None:
            raise not_found("opening")
        own_partner(who, current.partner_id)
        row = await opening_cases.change_opening(platform.deps, conn, cmd)
        return (await _opening_outs(conn, [row]))[0]


async def _opening_outs(conn: Connection, rows: list[OpeningRow]) -> list[OpeningOut]:
    """Openings as every reader sees them, with their employer's public name (issue 17: a
    participant may not read the partner, and should still learn whose opening it is)."""
    names = await partner_names.of(conn, (r.partner_id for r in rows))
    return [
        OpeningOut.model_validate(fields_of(r) | {"partner_name": names.get(r.partner_id)})
        for r in rows
    ]
