"""Our events, read by the standard CloudEvents SDK: what any other consumer would use."""

from __future__ import annotations

import uuid

import pytest
from cloudevents.core.bindings.kafka import KafkaMessage, from_structured_event
from voimala_contracts import (
    STRUCTURED,
    EventData,
    MatchingProfile,
    ParticipantContact,
    ParticipantContactChanged,
    ParticipantRegistered,
    new_event,
)

PID = uuid.uuid4()


@pytest.mark.parametrize(
    ("data", "event_type"),
    [
        (
            ParticipantContactChanged(
                participant_id=PID,
                personal=ParticipantContact(given_name="Juha", family_name="Mäkinen"),
            ),
            "participant.contact_changed.v1",
        ),
        (
            ParticipantRegistered(participant_id=PID, profile=MatchingProfile(skills=["cleaning"])),
            "participant.registered.v1",
        ),
    ],
)
def test_participant_events_parse_as_cloudevents_1_0(data: EventData, event_type: str) -> None:
    event = new_event(data, service="participants", subject=str(PID), correlation_id="corr-1")
    message = KafkaMessage(headers=dict(STRUCTURED), key=str(PID).encode(), value=event.to_json())
    parsed = from_structured_event(message)
    assert parsed.get_specversion() == "1.0"
    assert parsed.get_id() == str(event.id)
    assert parsed.get_source() == "/voimala/participants"
    assert parsed.get_type() == event_type
    assert parsed.get_subject() == str(PID)
    assert parsed.get_datacontenttype() == "application/json"
    assert parsed.get_extension("correlationid") == "corr-1"
    parsed_data = parsed.get_data()
    assert isinstance(parsed_data, dict)
    assert parsed_data["participant_id"] == str(PID)
    assert parsed_data == data.model_dump(mode="json")
