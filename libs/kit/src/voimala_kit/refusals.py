"""Why a use case refuses: the domain's errors, free of HTTP and of any I/O library.

Use cases (a service's `handlers/`) and pure rules (`domain/`) raise these; the kit's HTTP
layer answers each with problem details (RFC 9457) in one place (`http.install_http`), and a
Kafka handler may catch them as any other exception. Their `detail` and extras must hold no
personal data: they reach the client, and a consumer writes them to dead-letter headers.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "Conflict",
    "DomainError",
    "Forbidden",
    "Invalid",
    "NotFound",
    "conflict",
    "forbidden",
    "invalid",
    "not_found",
]


class DomainError(Exception):
    """A request the domain refuses. Subclasses say how (`status`, the HTTP one it maps to)."""

    status: ClassVar[int] = 400
    default_title: ClassVar[str] = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        title: str | None = None,
        location: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.title = title or self.default_title
        #: Where the thing this refusal points at lives (an existing registration, say).
        self.location = location
        self.extra = extra


class Invalid(DomainError):  # noqa: N818 - named as the refusal it is
    """The request breaks a rule the schema cannot say (a date in the future, two fields)."""

    status = 422
    default_title = "Invalid request"


class NotFound(DomainError):  # noqa: N818 - named as the refusal it is
    status = 404
    default_title = "Not found"


class Conflict(DomainError):  # noqa: N818 - named as the refusal it is
    """The request does not fit the state it meets (already registered, already answered)."""

    status = 409
    default_title = "Conflict"


class Forbidden(DomainError):  # noqa: N818 - named as the refusal it is
    """The caller is signed in, but this is not theirs to do."""

    status = 403
    default_title = "Forbidden"


def invalid(field: str, msg: str) -> Invalid:
    """A 422 for one field, named as request validation names it."""
    errors = [{"loc": ["body", field], "type": "value_error", "msg": msg}]
    return Invalid("the request does not match the API", errors=errors)


def not_found(what: str) -> NotFound:
    return NotFound(f"no such {what}")


def conflict(detail: str, title: str = "Conflict", **extra: Any) -> Conflict:
    return Conflict(detail, title=title, **extra)


def forbidden(detail: str, **extra: Any) -> Forbidden:
    return Forbidden(detail, **extra)
