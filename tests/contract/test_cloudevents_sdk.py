"""Our events, read by the standard CloudEvents SDK: what any other consumer would use."""

from __future__ import annotations

import uuid

from cloudevents.core.bindings.kafka import KafkaMessage, from_structured_event
from voimala_contracts import (
    STRUCTURED,
    MatchingProfile,
    ParticipantPersonal,
    ParticipantRegistered,
    new_event,
)


def test_participant_registered_parses_as_cloudevents_1_0() -> None:
    pid = uuid.uuid4()
    event = new_event(
        ParticipantRegistered(
            participant_id=pid,
            profile=MatchingProfile(skills=["cleaning"]),
            personal=ParticipantPersonal(given_name="Juha", family_name="Mäkinen"),
        ),
        service="participants",
        subject=str(pid),
        correlation_id="corr-1",
    )
    message = KafkaMessage(headers=dict(STRUCTURED), key=str(pid).encode(), value=event.to_json())
    parsed = from_structured_event(message)
    assert parsed.get_specversion() == "1.0"
    assert parsed.get_id() == str(event.id)
    assert parsed.get_source() == "/voimala/participants"
    assert parsed.get_type() == "participant.registered.v1"
    assert parsed.get_subject() == str(pid)
    assert parsed.get_datacontenttype() == "application/json"
    assert parsed.get_extension("correlationid") == "corr-1"
    data = parsed.get_data()
    assert isinstance(data, dict)
    assert data["participant_id"] == str(pid)
