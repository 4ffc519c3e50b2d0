from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from voimala_contracts import (
    CloudEvent,
    InvalidEventError,
    MatchingProfile,
    ParticipantPersonal,
    ParticipantRegistered,
    new_event,
    parse_data,
    parse_envelope,
)
from voimala_contracts.catalogue import render


def _registered() -> ParticipantRegistered:
    return ParticipantRegistered(
        participant_id=uuid.uuid4(),
        preferred_language="sv",
        profile=MatchingProfile(skills=["warehouse work"], youth=True, matching_consent=True),
        personal=ParticipantPersonal(given_name="Aino", family_name="Laine", email="a@example.fi"),
    )


def test_an_event_survives_the_wire_unchanged() -> None:
    data = _registered()
    event = new_event(data, service="participants", subject=str(data.participant_id))
    parsed = parse_envelope(event.to_json())
    assert parsed == event
    assert parse_data(parsed, ParticipantRegistered) == data
    assert parsed.source == "/voimala/participants"
    assert parsed.type == "participant.registered.v1"
    assert parsed.correlationid == str(parsed.id)  # a flow starts here


def test_unknown_fields_are_tolerated_in_envelope_and_data() -> None:
    data = _registered()
    document = json.loads(new_event(data, service="participants", subject="s").to_json())
    document["newextension"] = "x"
    document["data"]["field_from_the_future"] = {"a": 1}
    parsed = parse_envelope(json.dumps(document).encode())
    assert parse_data(parsed, ParticipantRegistered).participant_id == data.participant_id


def test_time_is_kept_in_utc() -> None:
    local = datetime.fromisoformat("2026-06-01T12:00:00+03:00")
    event = new_event(_registered(), service="participants", subject="s", time=local)
    assert event.time == datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    assert json.loads(event.to_json())["time"].endswith("Z")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"specversion": "0.3"}', "invalid envelope"),
        (None, "empty message value"),
    ],
)
def test_what_cannot_be_read_says_why(raw: bytes | None, reason: str) -> None:
    with pytest.raises(InvalidEventError, match=reason):
        parse_envelope(raw)


def test_the_reason_never_repeats_input_values() -> None:
    event = new_event(_registered(), service="participants", subject="s")
    document = json.loads(event.to_json())
    document["data"]["personal"]["given_name"] = {"secret": "Aino Laine 010190-123A"}
    with pytest.raises(InvalidEventError) as err:
        parse_data(CloudEvent.model_validate(document), ParticipantRegistered)
    assert "010190" not in err.value.reason
    assert "personal.given_name" in err.value.reason


def test_the_committed_event_catalogue_is_current() -> None:
    committed = Path(__file__).resolve().parents[3] / "docs" / "events.md"
    assert committed.read_text(encoding="utf-8") == render(), "run `make docs`"
