"""The service's problem answers, in the kit's shape; none of them repeats a value sent."""

from __future__ import annotations

import uuid

from voimala_kit import Problem


def invalid(field: str, msg: str) -> Problem:
    """A 422 for a rule that spans fields, naming the field as request validation does."""
    errors = [{"loc": ["body", field], "type": "value_error", "msg": msg}]
    return Problem(422, "Invalid request", "the request does not match the API", errors=errors)


def already_registered(existing: uuid.UUID) -> Problem:
    return Problem(
        409,
        "Already registered",
        "a participant with this e-mail address is already registered",
        headers={"Location": f"/participants/{existing}"},
        existing_participant_id=str(existing),
        existing=f"/participants/{existing}",
    )


def not_found(what: str = "participant") -> Problem:
    return Problem(404, "Not found", f"no such {what}")
