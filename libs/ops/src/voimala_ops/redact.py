"""What of a dead letter may be shown: never personal data.

Personal data travels only inside `personal` objects (docs/architecture.md); those are shown
as "[personal: n fields]". Data that the contract of its type validates is shown with its
declared fields (unknown ones dropped by the model); data that does not validate, or of a
type no contract knows, is shown as its shape only (field names and kinds, no values): a
value that broke a rule may be exactly the personal data that strayed out of its place.
"""

from __future__ import annotations

import json
from typing import Any

from voimala_contracts import (
    EVENT_MODELS,
    CloudEvent,
    InvalidEventError,
    parse_data,
    parse_envelope,
)

__all__ = ["PERSONAL", "envelope_view", "personal_fields", "safe_headers", "shape"]

PERSONAL = "personal"
#: The CloudEvents attributes of our envelope, shown when the envelope is valid.
ATTRIBUTES = (
    "specversion",
    "id",
    "source",
    "type",
    "time",
    "subject",
    "datacontenttype",
    "correlationid",
    "causationid",
)
#: Headers that hold no personal data by construction (docs/events.md, docs/operations.md).
SAFE_HEADER_PREFIXES = ("dlq.", "voimala.replay.")
SAFE_HEADERS = ("content-type",)


def personal_fields(value: Any) -> int:
    """How many values a personal part holds (nulls aside), however nested."""
    if isinstance(value, dict):
        return sum(personal_fields(v) for v in value.values())
    if isinstance(value, list):
        return sum(personal_fields(v) for v in value)
    return 0 if value is None else 1


def _marker(value: Any) -> str | None:
    return None if value is None else f"[personal: {personal_fields(value)} fields]"


def without_personal(value: Any) -> Any:
    """The value with every `personal` part replaced by its marker."""
    if isinstance(value, dict):
        return {k: _marker(v) if k == PERSONAL else without_personal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_personal(v) for v in value]
    return value


def shape(value: Any) -> Any:
    """Field names and kinds, never values."""
    if isinstance(value, dict):
        return {k: _marker(v) if k == PERSONAL else shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return f"[list: {len(value)} items]"
    return f"[{type(value).__name__}]" if value is not None else None


def envelope_view(raw: bytes | None) -> dict[str, Any]:
    """The envelope's attributes and its data, as much of them as may be shown."""
    if raw is None:
        return {"value": "[empty]"}
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {"value": f"[not JSON: {len(raw)} bytes]"}
    if not isinstance(document, dict):
        return {"value": f"[not a JSON object: {len(raw)} bytes]"}
    try:
        event = parse_envelope(raw)
    except InvalidEventError as exc:
        return {"valid": False, "problem": exc.reason, "attributes": shape(document)}
    others = sorted(set(document) - {*ATTRIBUTES, "data"})
    view: dict[str, Any] = {
        "valid": True,
        "attributes": {
            k: str(v)
            for k, v in event.model_dump(mode="json", include=set(ATTRIBUTES)).items()
            if v is not None
        },
    }
    if others:
        view["other_attributes"] = f"[{len(others)} more]"
    view.update(_data_view(event))
    return view


def _data_view(event: CloudEvent) -> dict[str, Any]:
    """The data as its contract reads it, or only its shape when no contract accepts it."""
    model = EVENT_MODELS.get(event.type)
    if model is None:
        return {"data": shape(event.data), "problem": f"no contract for {event.type}"}
    try:
        data = parse_data(event, model)
    except InvalidEventError as exc:
        return {"data": shape(event.data), "problem": exc.reason, "valid": False}
    return {"data": without_personal(data.model_dump(mode="json"))}


def safe_headers(headers: list[tuple[str, bytes]]) -> dict[str, Any]:
    """The provenance and replay headers; any other header only counted."""
    shown: dict[str, Any] = {}
    hidden = 0
    for key, value in headers:
        if key.startswith(SAFE_HEADER_PREFIXES) or key in SAFE_HEADERS:
            shown[key] = value.decode("utf-8", "replace")
        else:
            hidden += 1
    if hidden:
        shown["[other headers]"] = hidden
    return shown
