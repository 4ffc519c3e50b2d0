"""Answers given through the signed e-mail links of notifications (`action.answered.v1`).

They apply exactly as the same answer through this service's API, as the person who clicked.
An answer that cannot apply any more (already answered, expired, no room) is logged and
skipped: the link's holder is told so by notifications, and the consumer goes on.
"""

from __future__ import annotations

from voimala_contracts import CloudEvent
from voimala_contracts.notifications import ActionAnswered
from voimala_kit.auth import Principal
from voimala_kit.db import Connection
from voimala_kit.logging import get_logger
from voimala_kit.refusals import DomainError

from . import proposals
from .deps import Deps

log = get_logger(__name__)


async def apply_answer(deps: Deps, conn: Connection, data: ActionAnswered, _: CloudEvent) -> None:
    if data.responder_kind == "partner":
        who = Principal(str(data.user_id), frozenset({"employer"}), str(data.responder_id))
    else:
        who = Principal(str(data.user_id), frozenset({"mentor"}))
    try:
        # A savepoint: a refused answer leaves nothing half-done in the consumer's batch.
        async with conn.transaction():
            if data.answer == "accept":
                await proposals.accept(deps, conn, data.proposal_id, who)
            else:
                cmd = proposals.Decline(data.proposal_id, "declined_by_link")
                await proposals.decline(deps, conn, cmd, who)
    except DomainError as refused:
        log.info(
            "matching.link_answer_refused",
            proposal_id=str(data.proposal_id),
            status=refused.status,
            title=refused.title,
        )
