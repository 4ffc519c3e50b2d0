"""The audit log of personal-data reads and changes: the kit's (`voimala_kit.audit`), the same
table and the same rules in every service, written in the transaction of the read."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from voimala_kit import Principal
from voimala_kit.audit import AuditEntry, record, trail
from voimala_kit.db import Connection

__all__ = ["AuditEntry", "record", "trail", "write"]


async def write(
    conn: Connection,
    actor: str,
    roles: Sequence[str],
    participant_ids: Sequence[uuid.UUID],
    action: str,
    purpose: str,
) -> None:
    """`record` for an actor known by name and roles rather than by a token."""
    await record(conn, Principal(actor, frozenset(roles)), participant_ids, action, purpose)
