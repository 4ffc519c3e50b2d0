"""Reminders: claim the due ones, emit reminder.due.v1 and mark them sent in one transaction."""

from __future__ import annotations

from voimala_contracts.scheduling import ReminderDue
from voimala_kit.clock import local_minute
from voimala_kit.db import Connection

from ..domain.occurrences import info
from ..domain.registrations import guest_key, guest_of
from ..repository import occurrences, registrations, reminders
from .deps import Deps


async def send_due_reminders(deps: Deps, conn: Connection, limit: int = 200) -> int:
    """Rows another replica holds are skipped, rows sent are never claimed again."""
    now = deps.clock.now()
    claimed = await reminders.claim_due(conn, now, limit)
    sent, stale = [], []
    for row in claimed:
        reg = await registrations.get(conn, row.registration_id)
        occ = await occurrences.get(conn, reg.occurrence_id) if reg else None
        if reg is None or occ is None or reg.status != "confirmed" or occ.starts_at <= now:
            stale.append(row.registration_id)  # too late to remind, or no longer due
            continue
        sent.append(row.id)
        slot = reg.slot_start
        event = ReminderDue(
            reminder_id=row.id,
            registration_id=reg.id,
            occurrence=info(occ),
            participant_id=reg.participant_id,
            personal=guest_of(reg),
            personal_subject=guest_key(reg),
            slot_start=slot,
            local_slot_start=local_minute(slot) if slot else None,
        )
        await deps.outbox.add(conn, event, subject=str(occ.id))
    await reminders.mark_sent(conn, sent)
    if stale:
        await reminders.drop(conn, stale)
    return len(sent)
