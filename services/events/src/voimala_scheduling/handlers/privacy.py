"""A participant's rights over what the programme holds about them (GDPR 15 and 17).

Both arrive from the participants service (`voimala.participants`) and are answered on this
service's topic through the outbox, in the consumer's transaction: the answer is sent exactly
when the work is committed. Each request is answered once by its id.

Erasure anonymises: the person's id leaves every row, the rows stay as anonymous facts (a past
month counts the same). Registrations for occurrences not yet started are cancelled first, as a
cancellation by the person would be, so that their seat goes to the waitlist.
"""

from __future__ import annotations

import uuid

from voimala_contracts import CloudEvent
from voimala_contracts.privacy import (
    AccessRequested,
    ErasureRequested,
    EventsErased,
    EventsExported,
    ExportedData,
)
from voimala_kit import audit
from voimala_kit.db import Connection

from ..domain.privacy import Held, erased_export, exported, fit
from ..repository import occurrences, privacy, registrations
from .deps import Deps
from .registrations import release


async def _held(conn: Connection, participant_id: uuid.UUID) -> Held:
    regs = await privacy.registrations_of(conn, participant_id)
    rows = await privacy.attendance_of(conn, participant_id)
    ids = sorted({r.occurrence_id for r in regs} | {a.occurrence_id for a in rows})
    positions = {
        r.id: await registrations.position(conn, r.occurrence_id, r.arrival)
        for r in regs
        if r.status == "waitlisted"
    }
    return Held(
        registrations=regs,
        attendance=rows,
        reminders=await privacy.reminders_of(conn, participant_id),
        ideas=await privacy.ideas_of(conn, participant_id),
        occurrences=await occurrences.get_many(conn, ids),
        positions=positions,
    )


async def export_participant(
    deps: Deps, conn: Connection, data: AccessRequested, event: CloudEvent
) -> None:
    """`privacy.events_exported.v1` with everything held about the participant. An erased
    participant's request is answered too (else the request would name this service as not
    answering): every data set empty, and `erasure` saying when they were erased here."""
    pid = data.participant_id
    now = deps.clock.now()
    if not await privacy.first_answer(conn, data.request_id, "access", now):
        return
    await audit.record(conn, audit.SYSTEM, [pid], "events.exported", "access_request")
    erased = await privacy.erased_at(conn, pid)
    if erased is not None:
        found = erased_export(erased)
    else:
        found = fit(exported(await _held(conn, pid)), deps.settings.export_max_bytes)
    answer = EventsExported(
        request_id=data.request_id,
        participant_id=pid,
        exported_at=now,
        personal=ExportedData(data=found),
    )
    await deps.outbox.add(conn, answer, subject=str(pid))


async def _lock_upcoming(
    deps: Deps, conn: Connection, participant_id: uuid.UUID
) -> list[uuid.UUID]:
    """The participant's live registrations for occurrences not yet started, read under their
    occurrences' locks (taken in id order, as every change of registrations takes them: a
    concurrent registration, cancellation or promotion waits for the erasure)."""
    ids = await privacy.upcoming_occurrences(conn, participant_id, deps.clock.now())
    for occurrence_id in ids:
        await occurrences.get(conn, occurrence_id, lock=True)
    return await privacy.live_on(conn, participant_id, ids)


async def _cancel(deps: Deps, conn: Connection, registration_id: uuid.UUID) -> None:
    """Cancel an (anonymised) registration as its holder would: the seat goes to the waitlist;
    `registration.cancelled.v1` names no one."""
    reg = await registrations.get(conn, registration_id)
    occ = await occurrences.get(conn, reg.occurrence_id) if reg else None
    if reg is None or occ is None:
        raise RuntimeError("a registration or its occurrence is gone")
    await release(deps, conn, occ, reg)


async def erase_participant(
    deps: Deps, conn: Connection, data: ErasureRequested, event: CloudEvent
) -> None:
    """Anonymise the participant everywhere here, note them as erased, confirm with counts.
    Their registrations for occurrences not yet started are cancelled (after being anonymised),
    the earlier ones stay as anonymous facts, as do their attendance and ideas."""
    now = deps.clock.now()
    if not await privacy.first_answer(conn, data.erasure_id, "erasure", now):
        return
    pid = data.participant_id
    await privacy.hold(conn, pid, exclusive=True)  # no registration or idea of theirs beside
    await audit.record(conn, audit.SYSTEM, [pid], "events.erased", f"erasure_{data.reason}")
    upcoming = await _lock_upcoming(deps, conn, pid)
    done = await privacy.anonymise(conn, pid)
    for registration_id in upcoming:
        await _cancel(deps, conn, registration_id)
    await privacy.mark_erased(conn, pid, data.erasure_id, now)
    counts = {
        "registrations": done.registrations,
        "attendance": done.attendance,
        "ideas": done.ideas,
    }
    answer = EventsErased(
        erasure_id=data.erasure_id, participant_id=pid, erased_at=now, counts=counts
    )
    await deps.outbox.add(conn, answer, subject=str(pid))
