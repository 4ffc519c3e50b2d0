"""Registration when everyone comes at once: one transaction for all waiting.

Every registration of one occurrence must take the occurrence's row lock in turn (the seat
count read is the seat count written), so registrations of a popular occurrence one
transaction each run no faster than one lock hold plus one commit after another
(bench/events_registration.py measures that bound). Here each request joins one of this
process's few lanes (all of an occurrence's registrations waiting or being made are in the
same lane: handlers/batcher.py); one task per lane takes everything waiting in it and
registers it in ONE transaction, locking each occurrence concerned once (in id order, as
every change of registrations locks them), in the order the requests arrived, then answers
each request with its own outcome; what arrived meanwhile is the lane's next batch. The lanes'
transactions run side by side for different occurrences (while one waits for the database,
another works). Seats, the waitlist's order (arrivals are drawn in queue order,
under the locks), duplicates and one event per registration are exactly as one by one; a
refusal (duplicate, erased, closed) is that request's alone. Should a batch fail as a whole
(a deadlock with a change locking occurrences in another order, say), its transaction is
rolled back and each of its registrations is tried again alone
(handlers/registrations.register).
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from voimala_contracts import envelope
from voimala_contracts.scheduling import (
    RegistrationConfirmed,
    RegistrationWaitlisted,
)
from voimala_kit import audit
from voimala_kit.auth import STAFF, Principal
from voimala_kit.context import causation_id, correlation_id, work_context
from voimala_kit.db import Connection, Database
from voimala_kit.logging import get_logger
from voimala_kit.personal import KeyringError, has_personal, seal_with
from voimala_kit.refusals import conflict, invalid, not_found

from ..domain.occurrences import Occurrence, check_open, info
from ..domain.registrations import GUEST_KEY, Registration, guest_key, person_key
from ..repository import occurrences
from ..repository import registration_batch as batch
from .batcher import Batcher
from .registrations import Register, Registered, _digest, _participant_of, register

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
    #: A guest's contact as their events carry it (`personal`), and that part sealed with
    #: their own key ahead of the batch (None: not sealed ahead; the batch seals it).
    contact: dict[str, Any] | None = None
    sealed: dict[str, Any] | None = None

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


def _open_now(occ: Occurrence, now: datetime) -> Exception | None:
    try:
        check_open(occ, now)
    except Exception as exc:  # noqa: BLE001 - a refusal, answered to each request
        return exc
    return None


def _accept(
    occs: dict[uuid.UUID, Occurrence],
    asks: list[Ask],
    live: dict[tuple[uuid.UUID, str], uuid.UUID],
    outcomes: list[Outcome | None],
) -> list[int]:
    """Which of the asks are registered (by index, in arrival order); the rest refused."""
    taken = dict(live)
    accepted = []
    for i, a in enumerate(asks):
        if outcomes[i] is not None:
            continue
        held = (a.cmd.occurrence_id, a.key)
        if held in taken:
            outcomes[i] = conflict(
                "this person already holds a registration for the occurrence",
                title="Already registered",
                existing_registration_id=str(taken[held]),
            )
        elif occs[a.cmd.occurrence_id].slot_minutes is not None:
            outcomes[i] = invalid("slot_start", "the occurrence has bookable slots: choose one")
        else:
            taken[held] = a.registration_id
            accepted.append(i)
    return accepted


@dataclass
class _Seats:
    """One occurrence's seats and waitlist as the batch fills them, in arrival order."""

    occ: Occurrence
    free: int
    waiting: int

    def take(self) -> int | None:
        """A seat (None), or the next place on the waitlist."""
        if self.free > 0:
            self.free -= 1
            return None
        self.waiting += 1
        return self.waiting


def _row(a: Ask, occ: Occurrence, position: int | None, due: datetime) -> batch.NewRegistration:
    return batch.NewRegistration(
        id=a.registration_id,
        occurrence_id=occ.id,
        participant_id=a.participant_id,
        guest=a.cmd.guest,
        person_key=a.key,
        cancel_token=_digest(a.token) if a.token else None,
        status="confirmed" if position is None else "waitlisted",
        created_by=a.who.subject if a.who else None,
        reminded_at=due if position is None else None,
    )


async def _locked(
    deps: Deps, conn: Connection, asks: list[Ask]
) -> tuple[dict[uuid.UUID, Occurrence], list[Outcome | None]]:
    """Erased participants held off, the occurrences locked (in id order, as every change of
    registrations takes them); each ask's refusal so far."""
    outcomes: list[Outcome | None] = [None] * len(asks)
    named = sorted({a.participant_id for a in asks if a.participant_id is not None})
    erased = await batch.hold_participants(conn, named)
    ids = sorted({a.cmd.occurrence_id for a in asks})
    occs = await occurrences.get_many(conn, ids, lock=True)
    now, open_ = deps.clock.now(), set()  # the occurrences found open (checked once each)
    for i, a in enumerate(asks):
        occ = occs.get(a.cmd.occurrence_id)
        if a.participant_id in erased:
            outcomes[i] = conflict(
                "the participant's data has been erased", title="Participant erased"
            )
        elif occ is None:
            outcomes[i] = not_found("occurrence")
        else:
            closed = None if occ.id in open_ else _open_now(occ, now)
            if closed is None:
                open_.add(occ.id)
            outcomes[i] = _refusal(occ, a, closed)
    return occs, outcomes


def _short(
    occs: dict[uuid.UUID, Occurrence], pending: list[tuple[uuid.UUID, str]]
) -> list[uuid.UUID]:
    """The occurrences whose free seats may not do for everyone asking: their waitlists'
    lengths are needed (counting costs a read of the waitlist)."""
    asking: dict[uuid.UUID, int] = {}
    for occurrence_id, _ in pending:
        asking[occurrence_id] = asking.get(occurrence_id, 0) + 1
    short = []
    for occurrence_id, n in asking.items():
        occ = occs[occurrence_id]
        free = occ.capacity - occ.confirmed if occ.capacity is not None else 0
        if n > free:
            short.append(occurrence_id)
    return sorted(short)


async def register_many(
    deps: Deps,
    conn: Connection,
    asks: list[Ask],
    sealed: Awaitable[list[Ask]] | None = None,
) -> list[Outcome]:
    """Register the asks in the caller's transaction, in their order: on each occurrence
    confirmed while seats remain, then waitlisted; each answered or refused alone. `sealed`:
    the same asks with their guests' contacts sealed (`_sealed_ahead`), being made meanwhile."""
    occs, outcomes = await _locked(deps, conn, asks)
    pending = [(a.cmd.occurrence_id, a.key) for a, o in zip(asks, outcomes, strict=True) if not o]
    if pending:
        held = await batch.holders(conn, pending, _short(occs, pending))
        accepted = _accept(occs, asks, held.live, outcomes)
        if sealed is not None:
            asks = await sealed
        if accepted:
            await _register(deps, conn, occs, held, [(i, asks[i]) for i in accepted], outcomes)
    return [o for o in outcomes if o is not None]


async def _register(
    deps: Deps,
    conn: Connection,
    occs: dict[uuid.UUID, Occurrence],
    held: batch.Holders,
    asks: list[tuple[int, Ask]],
    outcomes: list[Outcome | None],
) -> None:
    """The accepted asks registered, in their order: rows, seats, reminders and events in one
    statement; each ask's outcome."""
    now = deps.clock.now()
    seats = {
        o.id: _Seats(
            o,
            max(0, o.capacity - o.confirmed) if o.capacity is not None else 0,
            held.waiting.get(o.id, 0),
        )
        for o in occs.values()
    }
    places = [seats[a.cmd.occurrence_id].take() for _, a in asks]
    rows = []
    for (_, a), position in zip(asks, places, strict=True):
        occ = occs[a.cmd.occurrence_id]
        rows.append(_row(a, occ, position, max(occ.starts_at - deps.reminder_lead, now)))
    arrivals = held.arrivals[: len(rows)]
    about = {o.id: _about(o) for o in occs.values()}  # one for all its registrations
    outbox = []
    for n, ((i, a), row, position) in enumerate(zip(asks, rows, places, strict=True)):
        occ = occs[row.occurrence_id]
        reg = _registration(occ, row, arrivals[n], held.now)
        data = _data(a, reg, about[occ.id], position)
        outbox.append(await _outboxed(deps, a, data, position, str(occ.id), now))
        outcomes[i] = Registered(reg, position, a.token)
    await batch.add_many(conn, rows, arrivals, outbox)
    await _audit(conn, [a for _, a in asks])


#: An occurrence's part of its registrations' events (`info`, as JSON), by occurrence, with
#: what it was made from: made again only when that changed (a batch would make it for each
#: of its occurrences, spread over 20 about one per registration).
_ABOUT: dict[uuid.UUID, tuple[tuple[Any, ...], dict[str, Any]]] = {}
_ABOUT_MAX = 4096


def _about(occ: Occurrence) -> dict[str, Any]:
    """`info(occ)` as its events carry it (`model_dump(mode="json")`); not to be changed."""
    made_of = (occ.series_id, occ.category, occ.title, occ.location, occ.starts_at, occ.ends_at)
    known = _ABOUT.get(occ.id)
    if known is not None and known[0] == made_of:
        return known[1]
    dumped = info(occ).model_dump(mode="json")
    if len(_ABOUT) >= _ABOUT_MAX:
        _ABOUT.clear()
    _ABOUT[occ.id] = (made_of, dumped)
    return dumped


def _contact(reg: Registration) -> dict[str, Any] | None:
    """A guest's contact as `guest_of(reg).model_dump(mode="json")` writes it."""
    if reg.guest_name is None:
        return None
    return {
        "name": reg.guest_name,
        "email": reg.guest_email,
        "phone": reg.guest_phone,
        "language": reg.guest_language or "fi",
    }


def _data(
    a: Ask, reg: Registration, occurrence: dict[str, Any], position: int | None
) -> dict[str, Any]:
    """The event's data as `RegistrationConfirmed` (None: confirmed) or
    `RegistrationWaitlisted` of `_event_fields` dumps it (`model_dump(mode="json")`: the same
    keys in the same order, tested), its guest's contact sealed ahead where it is that very
    contact. Written out rather than made by the model: the model's validation and dump were
    ~10 % of the service's CPU per registration, and its occurrence part is the same for all
    of the occurrence's."""
    personal = _contact(reg)
    if personal is not None and a.sealed is not None and personal == a.contact:
        personal = a.sealed
    data: dict[str, Any] = {
        "registration_id": str(reg.id),
        "occurrence": occurrence,
        "participant_id": None if reg.participant_id is None else str(reg.participant_id),
        "personal": personal,
        "personal_subject": guest_key(reg),
        "slot_start": None,
        "local_slot_start": None,
    }
    if position is not None:
        data["position"] = position
    return data


async def _outboxed(
    deps: Deps, a: Ask, data: dict[str, Any], position: int | None, subject: str, now: datetime
) -> batch.OutboxRow:
    """The registration's event as the outbox writes it (the contract's `envelope`, unchecked:
    its data is written out by `_data`, tested to give `new_event`'s bytes): with its own
    request's ids, at the batch's time; a guest's contact not sealed ahead is sealed now with
    the outbox's keyring."""
    if has_personal(data):
        keyring = deps.outbox.keyring
        if keyring is None:
            raise KeyringError("no keyring: personal data must not be published in clear")
        data = await keyring.seal_data(subject, data)
    kind = RegistrationConfirmed if position is None else RegistrationWaitlisted
    event = envelope(
        kind.TYPE,
        data,
        service=deps.outbox.service,
        subject=subject,
        correlation_id=a.correlation or str(uuid.uuid4()),  # as work_context starts one
        causation_id=a.causation,
        time=now,
        checked=False,
    )
    return (event.id, deps.outbox.topic, subject, event.to_json())


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


#: What waits for the next batch (Deps.registrar), by occurrence: each of a process's lanes
#: (the `registration_lanes` setting) runs one transaction at a time for everything waiting in
#: it, however many occurrences that is for (spread over 20, a batch per occurrence would be
#: small and cost a transaction each). An occurrence's registrations are all in one lane while
#: any waits, so they are made in the order they came; the lanes' transactions run side by
#: side, each locking its own occurrences (in id order, as every change of registrations
#: does; two lanes of a process never lock the same occurrence, and a lane of another replica
#: only waits).
Registrar = Batcher[uuid.UUID, Ask, Registered]


async def register_queued(
    db: Database, deps: Deps, cmd: Register, who: Principal | None
) -> Registered:
    """Register behind those that arrived before, in the occurrence's next batch."""

    async def run(asks: list[Ask]) -> list[Outcome]:
        return await _run(db, deps, asks)

    done: Registered = await deps.registrar.submit(cmd.occurrence_id, ask_for(cmd, who), run)
    return done


def _own_key(ask: Ask) -> str:
    """The subject of a guest's own key (`guest:<registration id>`)."""
    return f"{GUEST_KEY}{ask.registration_id}"


async def _sealed_ahead(deps: Deps, asks: list[Ask]) -> list[Ask]:
    """The batch's guests' contacts sealed with their own keys, made for them all in one
    statement and committed in the keyring before the batch's events are written: under the
    occurrences' locks the events then carry them as they are, with no call to the keyring.
    (A registration refused after all leaves its key unused.) Each part is the one the
    outbox would seal, sealed as it would (`Keyring.seal_data`, with the key named beside
    it); the batch checks that its event carries that very contact, and seals through the
    keyring whatever was not sealed here."""
    keyring = deps.outbox.keyring
    guests = [a for a in asks if a.cmd.guest is not None]
    if keyring is None or not guests:
        return asks
    owns = [_own_key(a) if a.cmd.guest is not None else None for a in asks]
    try:
        keys = await keyring.new_keys([own for own in owns if own is not None])
    except Exception:  # the batch seals through the keyring (and fails there, if it must)
        log.warning("registration_keys_failed", size=len(guests), exc_info=True)
        return asks
    return [_sealed_with(a, own, keys) for a, own in zip(asks, owns, strict=True)]


def _sealed_with(ask: Ask, own: str | None, keys: dict[str, bytes]) -> Ask:
    """The ask with its guest's contact and that contact sealed with their own key (`own`)."""
    g = ask.cmd.guest
    key = keys.get(own) if own is not None else None
    if g is None or own is None or key is None:
        return ask
    part = {"name": g.name, "email": g.email, "phone": g.phone, "language": g.language}
    return replace(ask, contact=part, sealed=seal_with(key, own, part) | {"key": own})


async def _run(db: Database, deps: Deps, asks: list[Ask]) -> list[Outcome]:
    """The batch in one transaction; should it fail as a whole, each registration alone. The
    guests' keys are made in the keyring meanwhile, while the transaction locks and reads (each
    is committed before the events it sealed are)."""
    sealed = asyncio.ensure_future(_sealed_ahead(deps, asks))
    try:
        async with db.transaction() as conn:
            done = await register_many(deps, conn, asks, sealed)
    except Exception:  # rolled back: each is tried again alone
        log.warning("registration_batch_failed", size=len(asks), exc_info=True)
    else:
        await sealed  # done already, unless every one was refused (never raises)
        return done
    await sealed  # unused now: the registrations alone make their own keys
    outcomes: list[Outcome] = []
    for a in asks:
        try:
            with a.context():
                async with db.transaction() as conn:
                    outcomes.append(await register_alone(deps, conn, a))
        except Exception as exc:  # noqa: BLE001 - answered to that request
            outcomes.append(exc)
    return outcomes
