"""The right to erasure (GDPR 17), and retention: a person's data erased here and everywhere.

In one transaction: this service's own data of the person is erased (repository/erasures.py
says what stays, anonymous, for the reports), the erasure is recorded, the exports of their
access requests are purged and `privacy.erasure_requested.v1` is published. Then the person's
key is destroyed (after the commit: the keyring is another database), retried by the privacy
sweep until it is done. Every other service confirms with `privacy.<service>_erased.v1`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from voimala_contracts import CloudEvent
from voimala_contracts.privacy import (
    ANSWERING,
    ErasureReason,
    ErasureRequested,
    EventsErased,
    MatchingErased,
    NotificationsErased,
)
from voimala_kit.db import Connection
from voimala_kit.refusals import Conflict, DomainError, not_found

from ..domain.privacy import ANSWERING_SERVICES, RETENTION_ACTOR, retention_cutoff
from ..domain.reports import ACTIVITY_KINDS, PROPOSAL_KINDS
from ..repository import access, erasures, esf, eura, participants, worklist
from ..repository.erasures import Confirmation, ErasureRow
from .deps import Deps

#: Which service sent which confirmation.
_ERASED_BY = {types[1].TYPE: service for service, types in ANSWERING.items()}
#: The path's kinds that reports count (lead times): kept, anonymous, after an erasure.
REPORT_KINDS = (*ACTIVITY_KINDS, *PROPOSAL_KINDS)
AnyErased = EventsErased | MatchingErased | NotificationsErased


class Erased(DomainError):  # noqa: N818 - named as the refusal it is
    """The participant was erased: nothing of them is here any more (410, naming the
    erasure, so that staff know it is not a wrong id)."""

    status = 410
    default_title = "Erased"


def _erasure_location(erasure: ErasureRow) -> str:
    return f"/erasures/{erasure.id}"


async def refuse_if_erased(conn: Connection, participant_id: uuid.UUID) -> None:
    earlier = await erasures.of_participant(conn, participant_id)
    if earlier is not None:
        raise Erased(
            "this participant's data has been erased",
            location=_erasure_location(earlier),
            erasure_id=str(earlier.id),
        )


@dataclass(frozen=True)
class EraseParticipant:
    participant_id: uuid.UUID
    reason: ErasureReason
    #: The coordinator's note (≤ 500): stays here, never in an event.
    note: str | None = None


def already_erased(earlier: ErasureRow) -> Conflict:
    return Conflict(
        "this participant has already been erased",
        title="Already erased",
        location=_erasure_location(earlier),
        erasure_id=str(earlier.id),
    )


async def erase_participant(
    deps: Deps, conn: Connection, cmd: EraseParticipant, requested_by: str
) -> ErasureRow:
    """Erase the person's data here, record the erasure and tell every service (409 if they
    were erased before, naming that erasure)."""
    pid = cmd.participant_id
    if await participants.get(conn, pid, lock=True) is None:
        earlier = await erasures.of_participant(conn, pid)
        if earlier is not None:
            raise already_erased(earlier)
        raise not_found("participant")
    now = deps.clock.now()
    # The EURA forms go first: their rows name the person's episodes, which erase_own keeps
    # under a pseudonym.
    eura_forms = await eura.erase(conn, pid)
    # The ESF+ facts follow their episodes to the pseudonym (ON UPDATE CASCADE): kept, counted.
    esf_entry, esf_results = await esf.count_of(conn, pid)
    counts = await erasures.erase_own(conn, pid, REPORT_KINDS)
    counts["esf_entry_anonymised"] = esf_entry
    counts["esf_results_anonymised"] = esf_results
    counts["eura_forms"] = eura_forms
    counts["access_exports"] = await access.purge_of(conn, pid, now)
    counts["worklist"] = await worklist.erase(conn, pid)
    erasure = ErasureRow(
        id=uuid.uuid4(),
        participant_id=pid,
        reason=cmd.reason,
        note=cmd.note,
        requested_by=requested_by,
        requested_at=now,
        counts=counts,
    )
    await erasures.add(conn, erasure)
    requested = ErasureRequested(
        erasure_id=erasure.id, participant_id=pid, reason=cmd.reason, requested_at=now
    )
    await deps.outbox.add(conn, requested, subject=str(pid))
    return erasure


async def record_erased(deps: Deps, conn: Connection, data: AnyErased, event: CloudEvent) -> None:
    """Another service's confirmation, kept once (one of no erasure of ours: ignored)."""
    confirmation = Confirmation(
        erasure_id=data.erasure_id,
        participant_id=data.participant_id,
        service=_ERASED_BY[event.type],
        erased_at=data.erased_at,
        counts=dict(data.counts),
    )
    await erasures.confirm(conn, confirmation)


async def destroy_keys(deps: Deps, conn: Connection, limit: int) -> int:
    """Destroy the keys of erased people not yet destroyed (claimed, SKIP LOCKED): after the
    erasure's commit, and again by the sweep if that failed. The keyring is the process's own
    (the kit gives it to the outbox at start); without one, none."""
    keyring = deps.outbox.keyring
    if keyring is None:
        return 0
    pending = await erasures.keys_pending(conn, limit)
    for erasure in pending:
        # Crypto-shredding: what any topic holds sealed for the person can never be opened.
        await keyring.destroy(str(erasure.participant_id))
        await erasures.key_destroyed(conn, erasure.id, deps.clock.now())
    return len(pending)


async def erase_expired(deps: Deps, conn: Connection, limit: int) -> int:
    """Retention: exited participants past the period after their exit are erased (reason
    `retention`), up to `limit` of them; how many were."""
    cutoff = retention_cutoff(deps.clock.today(), deps.settings.retention_years_after_exit)
    due = await erasures.exited_before(conn, cutoff, limit)
    for pid in due:
        await erase_participant(deps, conn, EraseParticipant(pid, "retention"), RETENTION_ACTOR)
    return len(due)


@dataclass(frozen=True)
class ErasureView:
    erasure: ErasureRow
    #: Every answering service's confirmation, None while it has not come.
    confirmations: dict[str, Confirmation | None]
    complete: bool


async def erasure_view(deps: Deps, conn: Connection, erasure_id: uuid.UUID) -> ErasureView:
    erasure = await erasures.get(conn, erasure_id)
    if erasure is None:
        raise not_found("erasure")
    found = {c.service: c for c in await erasures.confirmations(conn, erasure_id)}
    confirmations: dict[str, Confirmation | None] = {}
    for service in ANSWERING_SERVICES:
        c = found.get(service)
        confirmations[service] = (
            None
            if c is None
            else Confirmation(erasure.id, erasure.participant_id, service, c.erased_at, c.counts)
        )
    complete = all(c is not None for c in confirmations.values())
    return ErasureView(erasure, confirmations, complete)
