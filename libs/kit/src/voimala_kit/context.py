"""Where a unit of work came from: its correlation (the whole flow) and causation (one step).

Set by the HTTP middleware per request and by the consumer per message; read by the outbox,
so that every event written while handling something carries the right ids without every
handler passing them along.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from .logging import bind

__all__ = ["causation_id", "correlation_id", "work_context"]

_correlation: ContextVar[str | None] = ContextVar("correlation_id", default=None)
_causation: ContextVar[str | None] = ContextVar("causation_id", default=None)


def correlation_id() -> str | None:
    return _correlation.get()


def causation_id() -> str | None:
    return _causation.get()


@contextmanager
def work_context(
    correlation: str | None = None, causation: str | None = None, event_id: str | None = None
) -> Iterator[str]:
    """Run one request or message under its ids; a new correlation id starts where none came."""
    corr = correlation or str(uuid.uuid4())
    c_token = _correlation.set(corr)
    k_token = _causation.set(causation)
    extra = {"event_id": event_id} if event_id else {}
    try:
        with bind(correlation_id=corr, **extra):
            yield corr
    finally:
        _correlation.reset(c_token)
        _causation.reset(k_token)
