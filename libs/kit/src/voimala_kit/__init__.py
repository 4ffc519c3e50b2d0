"""Voimala's shared platform: what every service starts, stores, publishes and consumes with."""

from .auth import STAFF, Principal, Role, TokenVerifier, issue_token, require
from .clock import HELSINKI, Clock, SetClock, SystemClock
from .consumer import Consumer, Handler
from .db import Connection, Database
from .errors import PermanentError, TransientError
from .http import (
    Page,
    Problem,
    decode_cursor,
    encode_cursor,
    json_response,
    next_time_cursor,
    time_cursor,
)
from .logging import configure_logging, get_logger
from .outbox import Outbox
from .refusals import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    conflict,
    forbidden,
    invalid,
    not_found,
)
from .relay import Relay
from .rows import Table
from .service import (
    Platform,
    PlatformDep,
    ServiceSpec,
    Worker,
    create_app,
    get_platform,
    serve,
)
from .settings import ServiceSettings

__all__ = [
    "HELSINKI",
    "STAFF",
    "Clock",
    "Conflict",
    "Connection",
    "Consumer",
    "Database",
    "DomainError",
    "Forbidden",
    "Handler",
    "Invalid",
    "NotFound",
    "Outbox",
    "Page",
    "PermanentError",
    "Platform",
    "PlatformDep",
    "Principal",
    "Problem",
    "Relay",
    "Role",
    "ServiceSettings",
    "ServiceSpec",
    "SetClock",
    "SystemClock",
    "Table",
    "TokenVerifier",
    "TransientError",
    "Worker",
    "configure_logging",
    "conflict",
    "create_app",
    "decode_cursor",
    "encode_cursor",
    "forbidden",
    "get_logger",
    "get_platform",
    "invalid",
    "issue_token",
    "json_response",
    "next_time_cursor",
    "not_found",
    "require",
    "serve",
    "time_cursor",
]
