"""Building `match.*` events from a proposal row."""

from __future__ import annotations

from typing import Any, TypeVar

from voimala_contracts.matching import Explanation, MatchCore

from ..domain.scoring import redact

T = TypeVar("T", bound=MatchCore)


def match_event(model: type[T], p: dict[str, Any], **extra: Any) -> T:
    mentor = p["kind"] == "mentor"
    return model(
        proposal_id=p["id"],
        participant_id=p["participant_id"],
        kind=p["kind"],
        opening_id=p["opening_id"],
        mentor_id=p["mentor_id"],
        partner_id=p["partner_id"],
        notify_kind="mentor" if mentor else "partner",
        notify_id=p["mentor_id"] if mentor else p["partner_id"],
        title=p.get("title"),
        # Events reach partners and mentors (through notifications): the redacted explanation.
        explanation=redact(Explanation.model_validate(p["explanation"])),
        **extra,
    )
