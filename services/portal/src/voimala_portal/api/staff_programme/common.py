"""What the coordinator's pages share: who may open them, ids from URLs, texts per language."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from datetime import date
from typing import Any, TypeVar

from starlette.exceptions import HTTPException

from ...repository.sessions import SessionUser
from ...services import ServiceError
from ...web.session import NotYourPageError, require

#: Reading the programme, ideas, partners, mentors, reports and proposals: staff.
staff = require("coordinator", "counsellor")

T = TypeVar("T")


def only_coordinator(user: SessionUser) -> None:
    """Actions the services keep for coordinators (adding partners and mentors, withdrawing a
    proposal): a counsellor gets the forbidden page before anything is sent."""
    if user.role != "coordinator":
        raise NotYourPageError


def uuid_or_404(value: str) -> uuid.UUID:
    """An id from a URL: anything but a UUID is a page that does not exist (never a 500)."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise HTTPException(404) from None


async def page_of(call: Awaitable[T]) -> T:
    """A cursor page from a service: a cursor it did not give out (400) is a bad request
    page here, not "service unavailable"."""
    try:
        return await call
    except ServiceError as exc:
        if exc.status == 400:
            raise HTTPException(400) from None
        raise


def pick(texts: dict[str, Any] | None, lang: str) -> str:
    """A text in the page's language, else Finnish (the one every text has)."""
    texts = texts or {}
    return str(texts.get(lang) or texts.get("fi") or "")


def parse_date(value: str) -> date | None:
    try:
        found = date.fromisoformat(value)
    except ValueError:
        return None
    return found if 2000 <= found.year <= 2100 else None
