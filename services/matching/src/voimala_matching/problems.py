"""The service's problem answers; none of them repeats a value sent."""

from __future__ import annotations

from typing import Any

from voimala_kit import Problem


def invalid(field: str, msg: str) -> Problem:
    """A 422 for a rule the schema cannot say, naming the field as request validation does."""
    errors = [{"loc": ["body", field], "type": "value_error", "msg": msg}]
    return Problem(422, "Invalid request", "the request does not match the API", errors=errors)


def not_found(what: str) -> Problem:
    return Problem(404, "Not found", f"no such {what}")


def forbidden(detail: str) -> Problem:
    return Problem(403, "Forbidden", detail)


def conflict(detail: str, **extra: Any) -> Problem:
    return Problem(409, "Conflict", detail, **extra)
