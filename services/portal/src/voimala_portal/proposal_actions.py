"""Answering a proposal in matching, as an employer's contact person or a mentor does it from
their page: the same calls and the same reading of "too late" for both."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from .services import Caller, ServiceError


async def act(
    call: Caller,
    proposal_id: str,
    action: str,
    body: Any = None,
    *,
    refused: Collection[int] = (409,),
) -> bool:
    """`POST /proposals/{id}/{action}`; False when matching refuses it as no longer possible
    (answered meanwhile, expired, withdrawn), which the page says instead of an error."""
    try:
        await call.post("matching", f"/proposals/{proposal_id}/{action}", body)
    except ServiceError as exc:
        if exc.status not in refused:
            raise
        return False
    return True


async def answer(call: Caller, proposal_id: str, accept: bool, reason: str) -> str:
    """Accept or decline; the `done` code the page shows."""
    if accept:
        return "accepted" if await act(call, proposal_id, "accept") else "too_late"
    declined = await act(call, proposal_id, "decline", {"reason": reason})
    return "declined" if declined else "too_late"


async def record_outcome(
    call: Caller, proposal_id: str, chosen: str, allowed: Collection[str]
) -> str:
    """The outcome of a confirmed match, if it is one of `allowed`; the `done` code."""
    if chosen not in allowed:
        return "no_outcome"
    recorded = await act(call, proposal_id, "outcome", {"outcome": chosen}, refused=(409, 422))
    return "outcome" if recorded else "no_outcome"
