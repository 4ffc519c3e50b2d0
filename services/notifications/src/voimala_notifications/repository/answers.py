"""Proposals already answered, through a signed link or through matching: the first answer
per proposal is the one that counts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from voimala_kit.db import Connection
from voimala_kit.rows import Table


@dataclass(frozen=True)
class Answer:
    proposal_id: uuid.UUID
    answer: str | None  # accept | decline; None: the proposal expired unanswered
    link_id: uuid.UUID | None
    via: str  # link | matching
    answered_at: datetime


ANSWERS = Table("action_answer", Answer, key="proposal_id")

_RECORD = ANSWERS.insert("ON CONFLICT (proposal_id) DO NOTHING")
_OF = ANSWERS.select("WHERE proposal_id = $1")


async def record(conn: Connection, answer: Answer) -> bool:
    """True when this is the proposal's first answer."""
    return await conn.fetchrow(_RECORD, *ANSWERS.values(answer)) is not None


async def of(conn: Connection, proposal_id: uuid.UUID) -> Answer | None:
    row = await conn.fetchrow(_OF, proposal_id)
    return ANSWERS.load(row) if row is not None else None
