"""The arguments of the hottest write, registration, read straight from the request
(`voimala_kit.http.hot`): when everyone registers at once, FastAPI's routing, dependency
solving and exception layers were half of a registration's CPU in the service.

The resolver takes only a plain request: a UUID in the path, a JSON object body sent as
`application/json`, decoded by the same `json.loads` FastAPI uses and validated by the same
model (`RegistrationIn`, so every rule and message is the model's). Anything else (another
content type, a body that is not a JSON object, one the model refuses) answers None, and
FastAPI serves the request with its own answers (422 and its errors). The caller is then
authenticated by the endpoint's own dependency (a guest sends no token; an invalid one is the
same 401); who may register whom is the handler's, as on FastAPI's path.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from pydantic import ValidationError
from voimala_kit.auth import authenticate_if_sent
from voimala_kit.http import path_uuid

from .schemas import RegistrationIn


def _plain_json(request: Request) -> bool:
    """Sent as JSON, named exactly so (FastAPI reads other JSON types too: left to it)."""
    return request.headers.get("content-type") == "application/json"


def body_of(raw: bytes) -> RegistrationIn | None:
    """The body as FastAPI would read it, or None where FastAPI would refuse it (its 422)."""
    try:
        found = json.loads(raw)
    except ValueError:  # also a body that is not UTF-8
        return None
    if not isinstance(found, dict):
        return None
    try:
        return RegistrationIn.model_validate(found)
    except ValidationError:
        return None


async def registration_args(request: Request, params: dict[str, str]) -> dict[str, Any] | None:
    """`POST /occurrences/{occurrence_id}/registrations`: a UUID as FastAPI reads it, a plain
    JSON body the model takes; the caller if a token is sent."""
    occurrence_id = path_uuid(params, "occurrence_id")
    if occurrence_id is None or not _plain_json(request):
        return None
    body = body_of(await request.body())
    if body is None:
        return None
    return {
        "occurrence_id": occurrence_id,
        "body": body,
        "who": await authenticate_if_sent(request),
        "platform": request.app.state.platform,
    }
