"""Every event type we publish, read by the standard CloudEvents SDK (not just two of them).

An example of each type is built from its model's own fields, so a new event type is covered
the day it is added to the contracts: the test fails if no example can be made for it.
"""

from __future__ import annotations

import types
import typing
import uuid
from datetime import UTC, date, datetime
from typing import Any, Literal

import pytest
from cloudevents.core.bindings.kafka import KafkaMessage, from_structured_event
from pydantic import BaseModel
from voimala_contracts import STRUCTURED, EventData, new_event
from voimala_contracts._registry import EVENT_MODELS

#: Values for fields whose text has a format of its own (by field name).
_BY_NAME: dict[str, Any] = {
    "email": "aino.virtanen@example.fi",
    "phone": "+358401234567",
    "rrule": "FREQ=WEEKLY;COUNT=3",
    "local_start_time": "10:00",
    "local_end_time": "12:00",
    "local_start": "2027-03-31T10:00",
    "previous_local_start": "2027-03-31T10:00",
    "local_slot_start": "2027-03-31T10:15",
    "time_zone": "Europe/Helsinki",
    "language": "fi",
    "preferred_language": "fi",
    "municipality": "Salo",
    "business_id": "1234567-1",
    "code": "fi",
}


def _example(annotation: Any, name: str = "") -> Any:  # noqa: PLR0911 - one answer per kind
    if name in _BY_NAME:
        return _BY_NAME[name]
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is Literal:
        return args[0]
    if origin in (typing.Union, types.UnionType):
        return _example(next(a for a in args if a is not type(None)), name)
    if origin is list:
        return [_example(args[0], name)]
    if origin is dict:
        return {"fi": _example(args[1], name)}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _instance(annotation)
    simple = {
        uuid.UUID: uuid.uuid4(),
        str: "text",
        int: 1,
        float: 0.5,
        bool: True,
        datetime: datetime(2027, 3, 31, 7, tzinfo=UTC),
        date: date(2027, 3, 31),
    }
    return "text" if annotation is Any else simple[annotation]


def _instance(model: type[BaseModel]) -> Any:
    hints = typing.get_type_hints(model)
    values = {name: _example(hints[name], name) for name in model.model_fields}
    return model.model_validate(values)


@pytest.mark.parametrize("event_type", sorted(EVENT_MODELS))
def test_every_event_type_parses_as_cloudevents_1_0(event_type: str) -> None:
    model = EVENT_MODELS[event_type]
    data: EventData = _instance(model)
    subject = str(uuid.uuid4())
    service = model.TOPIC.split(".")[1]
    event = new_event(data, service=service, subject=subject, correlation_id="corr-1")
    message = KafkaMessage(headers=dict(STRUCTURED), key=subject.encode(), value=event.to_json())
    parsed = from_structured_event(message)
    assert parsed.get_specversion() == "1.0"
    assert parsed.get_id() == str(event.id)
    assert parsed.get_type() == event_type
    assert parsed.get_source() == f"/voimala/{service}"
    assert parsed.get_subject() == subject
    assert parsed.get_extension("correlationid") == "corr-1"
    assert parsed.get_data() == data.model_dump(mode="json")
