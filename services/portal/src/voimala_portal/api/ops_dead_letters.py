"""/ops/dead-letters: the newest dead letters, one with its provenance and the fields that
are not personal, and its replay (a reason required; the operations API records it with the
signed-in person as who, and refuses a message that is still invalid or too many at once)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from ..repository.sessions import SessionUser
from ..services import Caller, ServiceError
from ..web.deps import PortalDep
from ..web.forms import clean
from ..web.pages import render, translator
from ..web.routing import page_router
from ..web.session import require

router = page_router()
Ops = Annotated[SessionUser, Depends(require("ops"))]
#: The services that consume events, and so keep dead letters on `voimala.<service>.dlq`.
CONSUMERS = ("participants", "events", "matching", "notifications", "portal")
#: A dead letter's name: its place on its topic, `<service>:<partition>:<offset>`.
LETTER_ID = re.compile(r"^(participants|events|matching|notifications|portal):\d{1,9}:\d{1,18}$")
#: How many of the newest dead letters the list shows.
LIMIT = 100


def letter_or_404(letter_id: str) -> str:
    if not LETTER_ID.match(letter_id):
        raise HTTPException(404)
    return letter_id


def unreachable(request: Request, here: str) -> Response:
    """The operations API did not answer: said plainly, in the ops pages' layout."""
    return render(request, "ops/unreachable.html", {"here": here}, status_code=503)


def when(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def flat(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Nested fields as (dotted name, value) pairs: a definition list wraps on a phone."""
    if isinstance(value, dict):
        pairs = [p for k, v in value.items() for p in flat(v, f"{path}.{k}" if path else str(k))]
        return pairs or [(path, "{}")]
    if isinstance(value, list):
        simple = all(not isinstance(v, dict | list) for v in value)
        return [(path, ", ".join(map(str, value)) if simple else json.dumps(value))]
    return [(path, "\u2013" if value is None else str(value))]


def summary_view(letter: dict[str, Any]) -> dict[str, Any]:
    return {**letter, "at": when(letter.get("dead_lettered_at"))}


@router.get("/ops/dead-letters")
async def dead_letters(request: Request, user: Ops, portal: PortalDep) -> Response:
    service = request.query_params.get("service", "")
    service = service if service in CONSUMERS else ""
    try:
        # `service` is the query's name as well as the caller's: the parameters as a dict.
        params = {"limit": LIMIT, **({"service": service} if service else {})}
        answer = await portal.services.as_user(user).request(
            "GET", "ops", "/ops/dead-letters", params=params
        )
        letters = answer.json()
    except ServiceError as exc:
        if exc.status < 500:
            raise
        return unreachable(request, "dead-letters")
    return render(
        request,
        "ops/dead_letters.html",
        {
            "here": "dead-letters",
            "letters": [summary_view(d) for d in reversed(letters)],  # the newest first
            "service": service,
            "services": CONSUMERS,
            "limit": LIMIT,
        },
    )


async def letter_page(
    request: Request,
    caller: Caller,
    letter_id: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """One dead letter's page; `extra` says how a replay went, or what the form lacked."""
    try:
        letter = await caller.get("ops", f"/ops/dead-letters/{letter_id}")
    except ServiceError as exc:
        if exc.status < 500:
            raise
        return unreachable(request, "dead-letters")
    envelope = letter.get("envelope") or {}
    context = {
        "here": "dead-letters",
        "letter": summary_view(letter),
        "headers": list((letter.get("headers") or {}).items()),
        "envelope": envelope,
        "attributes": flat(envelope.get("attributes") or {}),
        "data": flat(envelope["data"]) if "data" in envelope else [],
        "answer": None,
        **extra,
    }
    return render(
        request, "ops/dead_letter.html", context, status_code=status_code, headers=headers
    )


@router.get("/ops/dead-letters/{letter_id}")
async def dead_letter(request: Request, letter_id: str, user: Ops, portal: PortalDep) -> Response:
    checked = letter_or_404(letter_id)
    answer = "replayed" if request.query_params.get("replayed") == "1" else None
    return await letter_page(request, portal.services.as_user(user), checked, answer=answer)


@router.post("/ops/dead-letters/{letter_id}/replay")
async def replay(request: Request, letter_id: str, user: Ops, portal: PortalDep) -> Response:
    checked = letter_or_404(letter_id)
    caller = portal.services.as_user(user)
    reason = clean(await request.form(), "reason", 500)
    if not reason:
        error = translator(request).gettext("Enter why the replay will work now")
        return await letter_page(request, caller, checked, 400, errors={"reason": error})
    kept = {"values": {"reason": reason}}
    try:
        outcomes = await caller.post(
            "ops", f"/ops/dead-letters/{checked}/replay", {"reason": reason}
        )
    except ServiceError as exc:
        if exc.status == 429:
            wait = {"Retry-After": "60"}  # the API counts replays over a minute
            return await letter_page(
                request, caller, checked, 429, wait, answer="rate_limited", **kept
            )
        if exc.status < 500:
            raise
        return unreachable(request, "dead-letters")
    outcome = outcomes[0] if outcomes else {}
    if outcome.get("outcome") == "replayed":
        return RedirectResponse(f"/ops/dead-letters/{checked}?replayed=1", 303)
    invalid = str(outcome.get("detail", "")).startswith("still invalid")
    answer = "still_invalid" if invalid else "missing"
    return await letter_page(request, caller, checked, 409, answer=answer, **kept)
