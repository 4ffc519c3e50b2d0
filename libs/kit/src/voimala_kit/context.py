"""Where a unit of work came from: its correlation (the whole flow) and causation (one step).

Set by the HTTP middleware per request and by the consumer per message; read by the outbox,
so that every event written while handling something carries the right ids without every
handler passing them along.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = ["causation_id", "correlation_id", "work_context"]

_correlation: ContextVar[str | None] = ContextVar("correlation_id", default=None)
_causation: ContextVar[str | None] = ContextVar("causation_id", default=None)
_event: ContextVar[str | None] = ContextVar("event_id", default=None)


def correlation_id() -> str | None:
    return _correlation.get()


def causation_id() -> str | None:
    return _causation.get()


def add_work_ids(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """A log processor: the correlation id (and the event being handled) of the unit of work
    the line is logged in. Read from these variables when a line is written, rather than
    bound into structlog's per request: binding cost ~5 % of a cheap read."""
    if (corr := _correlation.get()) is not None:
        event.setdefault("correlation_id", corr)
        if (handled := _event.get()) is not None:
            event.setdefault("event_id", handled)
    return event


@contextmanager
def work_context(
    correlation: str | None = None, causation: str | None = None, event_id: str | None = None
) -> Iterator[str]:
    """Run one request or message under its ids; a new correlation id starts where none came."""
    corr = correlation or str(uuid.uuid4())
    c_token = _correlation.set(corr)
    k_token = _causation.set(causation)
    e_token = _event.set(event_id or None)
    try:
        yield corr
    finally:
        _correlation.reset(c_token)
        _causation.reset(k_token)
        _event.reset(e_token)
