"""A person's rights over their data: access requests (GDPR 15) and erasure (GDPR 17), both
through every service. Coordinators only."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from voimala_kit import Principal, json_response, require
from voimala_kit.logging import error_fields, get_logger

from ..domain.privacy import OWN
from ..handlers.access import AccessView, access_view, request_access
from ..handlers.erasure import (
    EraseParticipant,
    ErasureView,
    destroy_keys,
    erase_participant,
    erasure_view,
)
from .deps import PlatformDep, Purpose, audited
from .schemas import AccessRequestOut, ErasureIn, ErasureOut

router = APIRouter(tags=["privacy"])
Coordinator = Annotated[Principal, Depends(require("coordinator"))]
log = get_logger(__name__)


def _access_out(view: AccessView) -> AccessRequestOut:
    r = view.request
    return AccessRequestOut.model_validate(
        {
            "request_id": r.id,
            "participant_id": r.participant_id,
            "language": r.language,
            "requested_by": r.requested_by,
            "requested_at": r.requested_at,
            "status": view.status,
            "services": [dataclasses.asdict(s) for s in view.services],
            "export": view.export,
            "export_kept_until": view.kept_until,
        }
    )


def _erasure_out(view: ErasureView) -> ErasureOut:
    e = view.erasure
    own = {"service": OWN, "status": "erased", "erased_at": e.requested_at, "counts": e.counts}
    others = [
        {"service": name, "status": "waiting", "erased_at": None, "counts": None}
        if c is None
        else {"service": name, "status": "erased", "erased_at": c.erased_at, "counts": c.counts}
        for name, c in view.confirmations.items()
    ]
    return ErasureOut.model_validate(
        {
            "erasure_id": e.id,
            "participant_id": e.participant_id,
            "reason": e.reason,
            "note": e.note,
            "requested_by": e.requested_by,
            "requested_at": e.requested_at,
            "status": "complete" if view.complete else "waiting",
            "key_destroyed_at": e.key_destroyed_at,
            "services": [own, *others],
        }
    )


@router.post(
    "/participants/{participant_id}/access-requests",
    status_code=202,
    response_model=AccessRequestOut,
)
async def ask_for_access(
    participant_id: uuid.UUID, who: Coordinator, purpose: Purpose, platform: PlatformDep
) -> Response:
    """Everything every service holds about the participant (GDPR 15): this service's part is
    gathered now, and `privacy.access_requested.v1` asks the others. Follow `Location`."""
    deps = platform.deps
    async with platform.db.transaction() as conn:
        request = await request_access(deps, conn, participant_id, who)
        await audited(conn, who, [participant_id], "access_request", purpose)
        view = await access_view(deps, conn, request.id)
    body = _access_out(view).model_dump(mode="json")
    response = json_response(body, 202)
    response.headers["Location"] = f"/access-requests/{request.id}"
    return response


@router.get("/access-requests/{request_id}", response_model=AccessRequestOut)
async def read_access_request(
    request_id: uuid.UUID, who: Coordinator, purpose: Purpose, platform: PlatformDep
) -> AccessRequestOut:
    """Each service's status and, once every one answered (or the silent ones are past
    `PARTICIPANTS_ACCESS_ANSWER_TIMEOUT`), the export. Reading the export is audited."""
    async with platform.db.transaction() as conn:
        view = await access_view(platform.deps, conn, request_id)
        if view.export is not None:
            participant = [view.request.participant_id]
            await audited(conn, who, participant, "read_access_export", purpose)
    return _access_out(view)


@router.post("/participants/{participant_id}/erasure", status_code=202, response_model=ErasureOut)
async def erase(
    participant_id: uuid.UUID,
    body: ErasureIn,
    who: Coordinator,
    purpose: Purpose,
    platform: PlatformDep,
) -> Response:
    """Erase the participant everywhere (GDPR 17): this service's data now, in the same
    transaction as `privacy.erasure_requested.v1`; then the person's key is destroyed. Every
    service confirms; follow `Location`. 409 if they were erased before."""
    deps = platform.deps
    cmd = EraseParticipant(participant_id, body.reason, body.note)
    async with platform.db.transaction() as conn:
        erasure = await erase_participant(deps, conn, cmd, who.subject)
        await audited(conn, who, [participant_id], "erasure", purpose)
    try:
        async with platform.db.transaction() as conn:
            await destroy_keys(deps, conn, 10)
    except Exception as exc:  # noqa: BLE001 - the privacy sweep destroys it later
        log.warning("participants.key_not_destroyed_yet", **error_fields(exc))
    async with platform.db.connection() as conn:
        view = await erasure_view(deps, conn, erasure.id)
    body_out = _erasure_out(view).model_dump(mode="json")
    response = json_response(body_out, 202)
    response.headers["Location"] = f"/erasures/{erasure.id}"
    return response


@router.get("/erasures/{erasure_id}", response_model=ErasureOut)
async def read_erasure(
    erasure_id: uuid.UUID, who: Coordinator, platform: PlatformDep
) -> ErasureOut:
    """What every service erased (counts only) and when; complete once all have confirmed."""
    async with platform.db.connection() as conn:
        view = await erasure_view(platform.deps, conn, erasure_id)
    return _erasure_out(view)
