"""The arguments of the two hottest reads, read straight from the request (`voimala_kit.hot`).

Each resolver takes the common, well-formed request and answers None for anything else, so
that FastAPI serves it with its own answers (422 for a malformed value, 403 for a role): a
value is taken only where it parses exactly as FastAPI would parse it, else left to FastAPI.
The caller is authenticated as the endpoint's dependency does (the same 401), and the purpose
read by the same function (the same 422).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, get_args

from fastapi import Request
from voimala_contracts.participants import CefrLevel, ParticipantStatus, TargetGroup
from voimala_kit import STAFF, Principal
from voimala_kit.auth import authenticate
from voimala_kit.http import path_uuid

from .deps import read_purpose

_LANGUAGE = re.compile(r"[a-z]{2,3}")
_STATUSES = frozenset(get_args(ParticipantStatus))
_GROUPS = frozenset(get_args(TargetGroup))
_LEVELS = frozenset(get_args(CefrLevel))
_BOOLS = {"true": True, "false": False}


def _limit(value: str) -> int | None:
    plain = value.isascii() and value.isdigit() and len(value) <= 3 and value[0] != "0"
    return int(value) if plain and int(value) <= 200 else None


def _text(least: int, most: int) -> Callable[[str], str | None]:
    return lambda v: v if least <= len(v) <= most else None


#: The list's query parameters: each read as FastAPI would, or None where it might differ.
_READ: dict[str, Callable[[str], Any]] = {
    "status": lambda v: v if v in _STATUSES else None,
    "target_group": lambda v: v if v in _GROUPS else None,
    "language_level": lambda v: v if v in _LEVELS else None,
    "language": lambda v: v if _LANGUAGE.fullmatch(v) else None,
    "youth": _BOOLS.get,
    "skill": _text(1, 100),
    "q": _text(1, 200),
    "cursor": lambda v: v,
    "limit": _limit,
}


async def _caller(request: Request, roles: tuple[str, ...]) -> Principal | None:
    """The caller if they hold one of `roles` (a missing or invalid token: the same 401)."""
    who = await authenticate(request)
    return who if who is not None and who.has(*roles) else None


async def _purpose(request: Request) -> str:
    # No query string (a plain read): no query parameters to parse.
    asked = request.query_params.get("purpose") if request.scope["query_string"] else None
    return await read_purpose(request.headers.get("x-purpose"), asked)


async def read_args(request: Request, params: dict[str, str]) -> dict[str, Any] | None:
    """`GET /participants/{participant_id}`: a UUID as FastAPI reads it, staff or a
    participant."""
    participant_id = path_uuid(params, "participant_id")
    if participant_id is None:
        return None
    who = await _caller(request, (*STAFF, "participant"))
    if who is None:
        return None
    return {
        "participant_id": participant_id,
        "who": who,
        "purpose": await _purpose(request),
        "platform": request.app.state.platform,
    }


def _filters(request: Request) -> dict[str, Any] | None:
    """The list's filters, cursor and limit, or None if any is not plainly valid."""
    found: dict[str, Any] = {"limit": 50}
    seen: set[str] = set()
    for key, value in request.query_params.multi_items():
        read = _READ.get(key)
        if read is None:
            continue  # not a parameter of the list: FastAPI ignores it too
        if key in seen or (parsed := read(value)) is None:
            return None  # repeated or not plainly valid: left to FastAPI
        seen.add(key)
        found[key] = parsed
    return found


async def list_args(request: Request, _: dict[str, str]) -> dict[str, Any] | None:
    """`GET /participants`: plainly valid filters, staff."""
    found = _filters(request)
    if found is None:
        return None
    who = await _caller(request, STAFF)
    if who is None:
        return None
    found.update(who=who, purpose=await _purpose(request), platform=request.app.state.platform)
    return found
