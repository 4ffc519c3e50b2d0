"""A guest erased in the events service (`guest.erased.v1`): forget them here too.

A guest is kept as a recipient by each registration's id (handlers/notify.py, `_holder`). For
each registration named: what waits for them is not sent, their messages lose recipient and
words (the delivery facts stay, as a participant's erasure leaves them), the recipient row goes.
Audited by registration id as `guest.erased` (the audit log is by person id; a guest has none).
An event written after the erasure carries no contact (the keys are destroyed), so nothing
brings the guest back.
"""

from __future__ import annotations

from voimala_contracts import CloudEvent
from voimala_contracts.scheduling import GuestErased
from voimala_kit import audit
from voimala_kit.db import Connection

from ..repository import deliveries, privacy
from .deps import Deps


async def forget_guest(deps: Deps, conn: Connection, data: GuestErased, _: CloudEvent) -> None:
    for registration_id in sorted(data.registration_ids):
        await deliveries.stop_sending_to(conn, registration_id)  # waits for a hand-off
        await privacy.cancel_pending(conn, registration_id)
        await privacy.anonymise_messages(conn, registration_id)
        await privacy.forget_recipient(conn, registration_id)
    await audit.record(conn, audit.SYSTEM, data.registration_ids, "guest.erased", "guest_erasure")
