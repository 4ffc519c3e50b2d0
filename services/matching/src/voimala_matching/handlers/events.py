"""Building `match.*` events from a proposal."""

from __future__ import annotations

from typing import Any, TypeVar

from voimala_contracts.matching import MatchCore

from ..domain.scoring import redact
from ..repository.proposals import Proposal

T = TypeVar("T", bound=MatchCore)


def match_event(model: type[T], p: Proposal, **extra: Any) -> T:
    mentor = p.kind == "mentor"
    return model(
        proposal_id=p.id,
        participant_id=p.participant_id,
        kind=p.kind,
        opening_id=p.opening_id,
        mentor_id=p.mentor_id,
        partner_id=p.partner_id,
        notify_kind="mentor" if mentor else "partner",
        notify_id=p.mentor_id if mentor else p.partner_id,
        title=p.title,
        # Events reach partners and mentors (through notifications): the redacted explanation.
        explanation=redact(p.explanation),
        **extra,
    )
