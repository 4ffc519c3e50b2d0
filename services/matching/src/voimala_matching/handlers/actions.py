"""Answers given through the signed e-mail links of notifications (`action.answered.v1`).

They apply exactly as the same answer through this service's API, as the person who clicked.
An answer that cannot apply any more (already answered, expired, no room) is logged and
skipped: the link's holder is told so by notifications, and the consumer goes on.
"""

from __future__ import annotations

from typing import Any

from voimala_contracts import CloudEvent
from voimala_contracts.notifications import ActionAnswered
from voimala_kit import Connection, Outbox, Principal, get_logger
from voimala_kit.refusals import DomainError

from ..settings import Settings
from . import proposals

log = get_logger(__name__)


def apply_answer(settings: Settings) -> Any:
    async def apply(conn: Connection, data: ActionAnswered, _: CloudEvent) -> None:
        if data.responder_kind == "partner":
            who = Principal(str(data.user_id), frozenset({"employer"}), str(data.responder_id))
        else:
            who = Principal(str(data.user_id), frozenset({"mentor"}))
        outbox = Outbox(settings.service_name)
        try:
            # A savepoint: a refused answer leaves nothing half-done in the consumer's batch.
            async with conn.transaction():
                if data.answer == "accept":
                    await proposals.accept(conn, outbox, settings, who, data.proposal_id)
                else:
                    await proposals.decline(
                        conn, outbox, settings, who, data.proposal_id, "declined_by_link"
                    )
        except DomainError as refused:
            log.info(
                "matching.link_answer_refused",
                proposal_id=str(data.proposal_id),
                status=refused.status,
                title=refused.title,
            )

    return apply
