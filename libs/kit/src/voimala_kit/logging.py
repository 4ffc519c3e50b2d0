"""Structured JSON logs: one line per event, dotted event names, never personal data.

`service` is bound once at start; `correlation_id` and `event_id` travel in context
variables, bound per request or per message.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from structlog.typing import EventDict, Processor

from .context import add_work_ids

__all__ = ["bind", "configure_logging", "error_fields", "get_logger"]


def configure_logging(service: str, level: str = "INFO") -> None:
    threshold = logging.getLevelNamesMapping()[level.upper()]
    shared: list[Processor] = [
        _bind_service(service),
        structlog.contextvars.merge_contextvars,
        add_work_ids,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    # Libraries (uvicorn, aiokafka) log through the standard library: same JSON lines.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.EventRenamer("event_name"),
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(threshold)
    # httpx logs every request's URL at INFO: the portal's calls carry searches and ids in
    # their query strings (a name typed into the staff search), which must not reach a log.
    for noisy in ("aiokafka", "kafka", "asyncio", "uvicorn.access", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.format_exc_info,
            structlog.processors.EventRenamer("event_name"),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(threshold),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )


def _bind_service(service: str) -> Processor:
    # Static, not a context variable: requests and workers run in tasks of their own.
    def add(_: Any, __: str, event: EventDict) -> EventDict:
        event["service"] = service
        return event

    return add


def get_logger(name: str | None = None) -> Any:
    return structlog.get_logger(name)


@contextmanager
def bind(**values: str) -> Iterator[None]:
    """Bind values (correlation_id, event_id) for the duration of one request or message."""
    with structlog.contextvars.bound_contextvars(**values):
        yield


def error_fields(exc: BaseException) -> dict[str, str]:
    """What may be logged of an error: its class and where it was raised.

    Exception messages and tracebacks can quote input values (a database error names the
    duplicate e-mail address), so they stay out of the logs.
    """
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}" if tb else "?"
    return {"error": type(exc).__name__, "where": where}
