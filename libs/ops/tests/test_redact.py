"""What `voimala-ops dlq show` may print of a message: never its personal data."""

from __future__ import annotations

import json
import uuid

import pytest
from voimala_contracts import ParticipantContact, ParticipantContactChanged, new_event
from voimala_ops.deadletters import DeadLetterId
from voimala_ops.redact import envelope_view, safe_headers
from voimala_ops.status import ServiceStatus, read_metrics

PERSON = ("Matti", "Virtanen", "matti.virtanen@example.fi", "+358401234567")


def _contact_changed() -> dict[str, object]:
    pid = uuid.uuid4()
    data = ParticipantContactChanged(
        participant_id=pid,
        personal=ParticipantContact(
            given_name=PERSON[0], family_name=PERSON[1], email=PERSON[2], phone=PERSON[3]
        ),
    )
    return new_event(data, service="participants", subject=str(pid)).model_dump(mode="json")


def _shows_no_one(view: object) -> None:
    text = json.dumps(view)
    for value in PERSON:
        assert value not in text


def test_a_valid_event_shows_its_fields_and_only_counts_its_personal_part() -> None:
    event = _contact_changed()
    view = envelope_view(json.dumps(event).encode())
    assert view["valid"] is True
    assert view["attributes"]["type"] == "participant.contact_changed.v1"
    assert view["attributes"]["id"] == event["id"]
    assert view["data"]["participant_id"] == event["data"]["participant_id"]  # type: ignore[index]
    assert view["data"]["personal"] == "[personal: 5 fields]"  # four given, a default channel
    _shows_no_one(view)


def test_data_that_breaks_its_contract_is_shown_as_its_shape_only() -> None:
    event = _contact_changed()
    event["data"]["participant_id"] = PERSON[2]  # type: ignore[index] # a value out of place
    event["data"]["note"] = PERSON[0]  # type: ignore[index] # a field no contract declares
    view = envelope_view(json.dumps(event).encode())
    assert view["valid"] is False
    assert view["problem"].startswith("invalid data: participant_id")
    assert view["data"]["participant_id"] == "[str]"
    assert view["data"]["note"] == "[str]"
    assert view["data"]["personal"] == "[personal: 5 fields]"
    _shows_no_one(view)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (None, "[empty]"),
        (b'{"name": "Matti Virtanen", ', "[not JSON: 27 bytes]"),
        (b'["Matti Virtanen"]', "[not a JSON object: 18 bytes]"),
    ],
)
def test_what_is_not_an_envelope_is_only_measured(raw: bytes | None, shown: str) -> None:
    assert envelope_view(raw) == {"value": shown}


def test_an_invalid_envelope_and_an_unknown_type_show_no_values() -> None:
    event = _contact_changed()
    del event["id"]
    event["subject"] = PERSON[2]
    view = envelope_view(json.dumps(event).encode())
    assert view["valid"] is False
    assert view["attributes"]["subject"] == "[str]"
    _shows_no_one(view)

    unknown = _contact_changed() | {"type": "person.described.v1"}
    unknown["data"] = {"name": PERSON[0], "personal": {"email": PERSON[2]}}
    view = envelope_view(json.dumps(unknown).encode())
    assert view["problem"] == "no contract for person.described.v1"
    assert view["data"] == {"name": "[str]", "personal": "[personal: 1 fields]"}
    _shows_no_one(view)


def test_only_provenance_and_replay_headers_are_shown() -> None:
    shown = safe_headers(
        [
            ("content-type", b"application/cloudevents+json"),
            ("dlq.original.topic", b"voimala.participants"),
            ("voimala.replay.of", b"notifications:0:7"),
            ("x-sent-by", PERSON[2].encode()),
        ]
    )
    assert shown == {
        "content-type": "application/cloudevents+json",
        "dlq.original.topic": "voimala.participants",
        "voimala.replay.of": "notifications:0:7",
        "[other headers]": 1,
    }


def test_a_dead_letter_is_named_by_its_place() -> None:
    letter = DeadLetterId.parse("notifications:2:417")
    assert (letter.topic, letter.partition, letter.offset) == ("voimala.notifications.dlq", 2, 417)
    assert str(letter) == "notifications:2:417"
    with pytest.raises(ValueError, match="not a dead letter"):
        DeadLetterId.parse("voimala.notifications.dlq/2/417")


def test_status_reads_lag_outbox_and_dead_letters_from_the_metrics() -> None:
    text = """
# TYPE voimala_consumer_lag_records gauge
voimala_consumer_lag_records{partition="0",service="matching",topic="voimala.participants"} 3.0
voimala_consumer_lag_records{partition="1",service="matching",topic="voimala.participants"} 4.0
# TYPE voimala_consumer_lag_seconds gauge
voimala_consumer_lag_seconds{partition="0",service="matching",topic="voimala.participants"} 12.5
voimala_consumer_lag_seconds{partition="1",service="matching",topic="voimala.participants"} 2.0
# TYPE voimala_outbox_backlog gauge
voimala_outbox_backlog{service="matching"} 2.0
# TYPE voimala_outbox_oldest_age_seconds gauge
voimala_outbox_oldest_age_seconds{service="matching"} 0.5
# TYPE voimala_events_consumed_total counter
voimala_events_consumed_total{outcome="applied",service="matching",topic="t.a"} 40.0
voimala_events_consumed_total{outcome="dead_lettered",service="matching",topic="t.a"} 1.0
voimala_events_consumed_total{outcome="dead_lettered",service="matching",topic="t.b"} 2.0
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1000.0
"""
    status = ServiceStatus("matching", "http://127.0.0.1:8003")
    read_metrics(text, status, now=1600.0)
    assert status.lag_records == 7
    assert status.lag_seconds == 12.5
    assert status.outbox_backlog == 2
    assert status.outbox_oldest_seconds == 0.5
    assert status.dead_lettered == 3
    assert status.uptime_seconds == 600
