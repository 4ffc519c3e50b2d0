"""Voimala's shared platform: what every service starts, stores, publishes and consumes with."""

from .auth import STAFF, Principal, Role, TokenVerifier, issue_token, require
from .consumer import Consumer, Handler
from .db import Connection, Database
from .errors import PermanentError, TransientError
from .http import Page, Problem, decode_cursor, encode_cursor, json_response
from .logging import configure_logging, get_logger
from .outbox import Outbox
from .relay import Relay
from .service import Platform, PlatformDep, ServiceSpec, Worker, create_app, serve
from .settings import ServiceSettings

__all__ = [
    "STAFF",
    "Connection",
    "Consumer",
    "Database",
    "Handler",
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
    "TokenVerifier",
    "TransientError",
    "Worker",
    "configure_logging",
    "create_app",
    "decode_cursor",
    "encode_cursor",
    "get_logger",
    "issue_token",
    "json_response",
    "require",
    "serve",
]
