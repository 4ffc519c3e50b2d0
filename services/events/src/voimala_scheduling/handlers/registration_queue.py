"""Registration when everyone comes at once: one transaction for all waiting.

Every registration of one occurrence must take the occurrence's row lock in turn (the seat
count read is the seat count written), so registrations of a popular occurrence one
transaction each run no faster than one lock hold plus one commit after another
(bench/events_registration.py measures that bound). Here each request joins its
occurrence's queue in this process; one task takes everything waiting for that occurrence
and registers it in ONE transaction under ONE lock, in the order the requests arrived, then
answers each request with its own outcome; what arrived meanwhile is the next batch. Seats,
the waitlist's order (arrival is drawn in queue order, under the lock), duplicates and one
event per registration are exactly as one by one; a refusal (duplicate, erased, closed) is
that request's alone. Should a batch fail as a whole, its transaction is rolled back and each
of its registrations is tried again alone (handlers/registrations.register).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from voimala_contracts.scheduling import RegistrationConfirmed, RegistrationWaitlisted
from voimala_kit import audit
from voimala_kit.auth import STAFF, Principal
from voimala_kit.context import causation_id, correlation_id, work_context
from voimala_kit.db import Connection, Database
from voimala_kit.logging import get_logger
from voimala_kit.refusals import conflict, invalid, not_found

from ..domain.occurrences import Occurrence, check_open
from ..domain.registrations import GUEST_KEY, Registration, person_key
from ..repository import occurrences
from ..repository import registration_batch as batch
from .batcher import Batcher
from .registrations import Register, Registered, _digest, _event_fields, _participant_of, register

if TYPE_CHECKING:
    from .deps import Deps

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Ask:
    """One registration waiting for its occurrence's next batch, with the ids of the request
    it came in (its event carries them)."""

    cmd: Register
    who: Principal | None
    participant_id: uuid.UUID | None
    key: str
    registration_id: uuid.UUID
    token: str | None
    correlation: str | None
    causation: str | None

    @contextmanager
    def context(self) -> Iterator[None]:
        with work_context(self.correlation, self.causation):
            yield


Outcome = Registered | Exception


def ask_for(cmd: Register, who: Principal | None) -> Ask:
    """Who registers whom (refused at once if the caller may not), before any queue."""
    participant_id = _participant_of(cmd, who)
    return Ask(
        cmd,
        who,
        participant_id,
        person_key(participant_id, cmd.guest),
        uuid.uuid4(),
        secrets.token_urlsafe(24) if cmd.guest else None,
        correlation_id(),
        causation_id(),
    )


def _purpose(who: Principal) -> str:
    """As api/deps.purpose_of: staff run the programme, a participant registers themselves."""
    return "staff_view" if who.has(*STAFF) else "own_data"


async def _audit(conn: Connection, asks: list[Ask]) -> None:
    """`registration.created` for each participant registered (a guest leaves no row), one
    statement per caller."""
    by_caller: dict[tuple[str, tuple[str, ...]], tuple[Principal, list[uuid.UUID]]] = {}
    for a in asks:
        if a.who is not None and a.participant_id is not None:
            key = (a.who.subject, tuple(sorted(a.who.roles)))
            by_caller.setdefault(key, (a.who, []))[1].append(a.participant_id)
    for who, named in by_caller.values():
        await audit.record(conn, who, named, "registration.created", _purpose(who))


def _refusal(occ: Occurrence, a: Ask, now_ok: Exception | None) -> Exception | None:
    """What refuses this one registration of the locked occurrence, before duplicates."""
    if now_ok is not None:
        return now_ok
    if occ.audience == "participants" and a.participant_id is None:
        return conflict(
            "the occurrence is for participants of the programme", title="For participants"
        )
    return None


def _open_now(deps: Deps, occ: Occurrence) -> Exception | None:
    try:
        check_open(occ, deps.clock.now())
    except Exception as exc:  # noqa: BLE001 - a refusal, answered to each request
        return exc
    return None


def _accept(
    occ: Occurrence, asks: list[Ask], live: dict[str, uuid.UUID], outcomes: list[Outcome | None]
) -> list[int]:
    """Which of the asks are registered (by index, in arrival order); the rest refused."""
    taken = dict(live)
    accepted = []
    for i, a in enumerate(asks):
        if outcomes[i] is not None:
            continue
        if a.key in taken:
            outcomes[i] = conflict(
                "this person already holds a registration for the occurrence",
                title="Already registered",
                existing_registration_id=str(taken[a.key]),
            )
        elif occ.slot_minutes is not None:
            outcomes[i] = invalid("slot_start", "the occurrence has bookable slots: choose one")
        else:
            taken[a.key] = a.registration_id
            accepted.append(i)
    return accepted


@dataclass
class _Batch:
    """The registrations one transaction makes: rows, then events and answers."""

    occ: Occurrence
    #: In arrival order, and where each stands among the batch's outcomes.
    asks: list[Ask]
    where: list[int]
    #: How many were on the waitlist before.
    ahead: int
    rows: list[batch.NewRegistration] = field(default_factory=list)

    def add(self, a: Ask, seat: bool) -> None:
        self.rows.append(
            batch.NewRegistration(
                id=a.registration_id,
                participant_id=a.participant_id,
                guest=a.cmd.guest,
                person_key=a.key,
                cancel_token=_digest(a.token) if a.token else None,
                status="confirmed" if seat else "waitlisted",
                created_by=a.who.subject if a.who else None,
            )
        )


async def _locked(
    deps: Deps, conn: Connection, occurrence_id: uuid.UUID, asks: list[Ask]
) -> tuple[Occurrence | None, list[Outcome | None]]:
    """Erased participants held off, the occurrence locked; each ask's refusal so far."""
    outcomes: list[Outcome | None] = [None] * len(asks)
    named = sorted({a.participant_id for a in asks if a.participant_id is not None})
    erased = await batch.hold_participants(conn, named)
    for i, a in enumerate(asks):
        if a.participant_id in erased:
            outcomes[i] = conflict(
                "the participant's data has been erased", title="Participant erased"
            )
    occ = await occurrences.get(conn, occurrence_id, lock=True)
    if occ is None:
        return None, [o or not_found("occurrence") for o in outcomes]
    for i, a in enumerate(asks):
        outcomes[i] = outcomes[i] or _refusal(occ, a, _open_now(deps, occ))
    return occ, outcomes


async def register_many(
    deps: Deps, conn: Connection, occurrence_id: uuid.UUID, asks: list[Ask]
) -> list[Outcome]:
    """Register the asks for one occurrence in the caller's transaction, in their order:
    confirmed while seats remain, then waitlisted; each answered or refused alone."""
    occ, outcomes = await _locked(deps, conn, occurrence_id, asks)
    if occ is None:
        return [o for o in outcomes if o is not None]
    live, ahead = await batch.live_ids(conn, occ.id, [a.key for a in asks])
    accepted = _accept(occ, asks, live, outcomes)
    if accepted:
        await _register(
            deps, conn, _Batch(occ, [asks[i] for i in accepted], accepted, ahead), outcomes
        )
    return [o for o in outcomes if o is not None]


async def _register(
    deps: Deps, conn: Connection, work: _Batch, outcomes: list[Outcome | None]
) -> None:
    occ, asks = work.occ, work.asks
    free = max(0, occ.capacity - occ.confirmed) if occ.capacity is not None else 0
    seats = min(free, len(asks))
    for n, a in enumerate(asks):
        work.add(a, n < seats)
    due = max(occ.starts_at - deps.reminder_lead, deps.clock.now())
    arrivals, created = await batch.add_many(conn, occ.id, work.rows, due)
    for n, (a, row) in enumerate(zip(asks, work.rows, strict=True)):
        reg = _registration(occ, row, arrivals[n], created)
        position = None if n < seats else work.ahead + n - seats + 1
        fields = _event_fields(occ, reg)
        event = (
            RegistrationConfirmed(**fields)
            if position is None
            else RegistrationWaitlisted(**fields, position=position)
        )
        with a.context():  # the event carries its own request's ids
            await deps.outbox.add(conn, event, subject=str(occ.id))
        outcomes[work.where[n]] = Registered(reg, position, a.token)
    await _audit(conn, asks)


def _registration(
    occ: Occurrence, row: batch.NewRegistration, arrival: int, created: datetime
) -> Registration:
    g = row.guest
    return Registration(
        id=row.id,
        occurrence_id=occ.id,
        participant_id=row.participant_id,
        guest_name=g.name if g else None,
        guest_email=g.email if g else None,
        guest_phone=g.phone if g else None,
        guest_language=g.language if g else None,
        person_key=row.person_key,
        cancel_token=row.cancel_token,
        status="confirmed" if row.status == "confirmed" else "waitlisted",
        arrival=arrival,
        slot_start=None,
        created_at=created,
        promoted_at=None,
        cancelled_at=None,
    )


async def register_alone(deps: Deps, conn: Connection, a: Ask) -> Registered:
    """One registration in its own transaction, as before batches (and audited)."""
    done = await register(deps, conn, a.cmd, a.who)
    await _audit(conn, [a])
    return done


#: What waits for an occurrence's next batch (Deps.registrar).
Registrar = Batcher[uuid.UUID, Ask, Registered]


async def register_queued(
    db: Database, deps: Deps, cmd: Register, who: Principal | None
) -> Registered:
    """Register behind those that arrived before, in the occurrence's next batch."""

    async def run(asks: list[Ask]) -> list[Outcome]:
        return await _run(db, deps, cmd.occurrence_id, asks)

    ask = ask_for(cmd, who)
    await _make_key(deps, ask)
    done: Registered = await deps.registrar.submit(cmd.occurrence_id, ask, run)
    return done


async def _make_key(deps: Deps, ask: Ask) -> None:
    """A guest's own key (`guest:<registration id>`) made now, beside the other requests, and
    committed in the keyring before the batch: sealing their contact under the occurrence's
    lock then only reads it. (Refused after all, the key seals nothing: it stays unused.)"""
    keyring = deps.outbox.keyring
    if ask.cmd.guest is not None and keyring is not None:
        await keyring.seal(f"{GUEST_KEY}{ask.registration_id}", {})


async def _run(
    db: Database, deps: Deps, occurrence_id: uuid.UUID, asks: list[Ask]
) -> list[Outcome]:
    """The batch in one transaction; should it fail as a whole, each registration alone."""
    try:
        async with db.transaction() as conn:
            return await register_many(deps, conn, occurrence_id, asks)
    except Exception:  # rolled back: each is tried again alone
        log.warning("registration_batch_failed", size=len(asks), exc_info=True)
    outcomes: list[Outcome] = []
    for a in asks:
        try:
            with a.context():
                async with db.transaction() as conn:
                    outcomes.append(await register_alone(deps, conn, a))
        except Exception as exc:  # noqa: BLE001 - answered to that request
            outcomes.append(exc)
    return outcomes
