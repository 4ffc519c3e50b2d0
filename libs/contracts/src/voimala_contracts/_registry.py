"""Every known event type, and the one way to read an event off the wire."""

from __future__ import annotations

import json
from typing import TypeVar

from pydantic import ValidationError

from . import matching, notifications, participants, portal, privacy, scheduling
from ._envelope import CloudEvent, EventData

#: The contract modules: every EventData subclass defined in one is a known event type.
_MODULES = (participants, matching, notifications, scheduling, portal, privacy)

EVENT_MODELS: dict[str, type[EventData]] = {
    model.TYPE: model
    for module in _MODULES
    for model in vars(module).values()
    if isinstance(model, type)
    and issubclass(model, EventData)
    and model.__module__ == module.__name__
}

DataT = TypeVar("DataT", bound=EventData)


class InvalidEventError(ValueError):
    """A message that can never be processed. `reason` is safe to log: it holds no input values."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _describe(error: ValidationError) -> str:
    # pydantic's own message repeats the input values, which may be personal data:
    # keep only where and what kind of error.
    parts = [".".join(str(p) for p in e["loc"]) + ": " + e["type"] for e in error.errors()[:5]]
    return "; ".join(parts)


def parse_envelope(raw: bytes | None) -> CloudEvent:
    """Parse one Kafka value into an envelope, or raise InvalidEventError."""
    if raw is None:
        raise InvalidEventError("empty message value")
    try:
        # One pass in pydantic's own JSON parser for what is valid (nearly all): a third less
        # than parsing to Python objects and validating those. What is not is read again below,
        # the slow way, only to tell why.
        return CloudEvent.model_validate_json(raw)
    except ValidationError:
        pass
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidEventError(f"not JSON: {type(exc).__name__}") from None
    if not isinstance(document, dict):
        raise InvalidEventError("not a JSON object")
    try:
        return CloudEvent.model_validate(document)
    except ValidationError as exc:
        raise InvalidEventError("invalid envelope: " + _describe(exc)) from None


def is_known(event_type: str) -> bool:
    return event_type in EVENT_MODELS


def parse_data(event: CloudEvent, model: type[DataT]) -> DataT:
    """Validate an envelope's data against its model, or raise InvalidEventError."""
    if event.type != model.TYPE:
        raise InvalidEventError(f"expected type {model.TYPE}")
    try:
        return model.model_validate(event.data)
    except ValidationError as exc:
        raise InvalidEventError("invalid data: " + _describe(exc)) from None


def schema_of(event_type: str) -> dict[str, object]:
    """JSON schema of one event type's data, for the generated event catalogue."""
    return EVENT_MODELS[event_type].model_json_schema()
