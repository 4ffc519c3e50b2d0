"""Forms: the CSRF check on every POST, and errors that name each field for the error summary.

A page validates what was sent itself and shows the same form again with an error summary
(`FormErrors`); a service's 422 is turned into the same shape by `errors_from_problem`.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from fastapi import Request
from starlette.datastructures import FormData

from .middleware import CSRF_COOKIE


class CsrfRejectedError(Exception):
    """A form without its CSRF token, or with another one: answered 403."""


async def check_csrf(request: Request) -> None:
    """Router dependency: every unsafe request carries the CSRF cookie's value, in the form
    field `csrf_token` or (from the page's own script) the `X-CSRF-Token` header."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else ""
    if not expected or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise CsrfRejectedError


def clean(form: FormData, name: str, max_length: int = 500) -> str:
    """A text field as sent, stripped, without control characters; "" if missing."""
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    value = "".join(ch for ch in value if ch in "\n\t" or ch.isprintable()).strip()
    return value[:max_length]


def errors_from_problem(problem: Mapping[str, Any], fields: Mapping[str, str]) -> dict[str, str]:
    """A service's 422 (the kit's `errors`: `loc` and `msg`) as errors per form field: `fields`
    maps the service's field names to the form's; what cannot be placed goes under ""."""
    found: dict[str, str] = {}
    for error in problem.get("errors", None) or []:
        location = [str(part) for part in error.get("loc", [])]
        name = next((fields[part] for part in reversed(location) if part in fields), "")
        found.setdefault(name, str(error.get("msg") or ""))
    if not found:
        found[""] = str(problem.get("detail") or problem.get("title") or "")
    return found
