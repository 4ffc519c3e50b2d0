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

__all__ = ["bind", "configure_logging", "error_fields", "get_logger"]


def configure_logging(service: str, level: str = "INFO") -> None:
    logging.basicConfig(format="%(message)s", stream=sys.stdout, level=level.upper(), force=True)
    # Libraries log through the standard library; keep their chatter to warnings.
    for noisy in ("aiokafka", "kafka", "asyncio", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.EventRenamer("event_name"),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=service)


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
