from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from voimala_contracts import (
    EVENT_MODELS,
    CloudEvent,
    EventData,
    InvalidEventError,
    MatchingProfile,
    ParticipantContact,
    ParticipantContactChanged,
    ParticipantRegistered,
    is_known,
    new_event,
    parse_data,
    parse_envelope,
)
from voimala_contracts import participants as participant_contracts
from voimala_contracts.catalogue import render

PID = uuid.uuid4()


def _registered() -> ParticipantRegistered:
    return ParticipantRegistered(
        participant_id=PID,
        preferred_language="sv",
        profile=MatchingProfile(skills=["warehouse work"], youth=True, matching_consent=True),
    )


def _contact_changed() -> ParticipantContactChanged:
    return ParticipantContactChanged(
        participant_id=PID,
        preferred_language="sv",
        personal=ParticipantContact(
            given_name="Aino", family_name="Laine", email="a@example.fi", preferred_channel="email"
        ),
    )


@pytest.mark.parametrize(
    ("data", "event_type"),
    [
        (_registered(), "participant.registered.v1"),
        (_contact_changed(), "participant.contact_changed.v1"),
    ],
)
def test_an_event_survives_the_wire_unchanged(data: EventData, event_type: str) -> None:
    event = new_event(data, service="participants", subject=str(PID))
    parsed = parse_envelope(event.to_json())
    assert parsed == event
    assert parse_data(parsed, type(data)) == data
    assert parsed.source == "/voimala/participants"
    assert parsed.type == event_type
    assert parsed.correlationid == str(parsed.id)  # a flow starts here


def test_every_event_type_of_the_contracts_is_known() -> None:
    # A consumer skips a known type it does not handle, but dead-letters an unknown one: a
    # contract that is not registered would send its events (personal data and all) there.
    defined = {
        model.TYPE: model
        for model in vars(participant_contracts).values()
        if isinstance(model, type) and issubclass(model, EventData) and model is not EventData
    }
    assert "participant.contact_changed.v1" in defined
    assert defined.items() <= EVENT_MODELS.items()
    assert all(is_known(t) for t in defined)
    assert not is_known("participant.nonexistent.v1")


PERSONAL_FIELDS = {"email", "phone", "given_name", "family_name", "birth_date", "birth_year"}


def _personal_outside_the_marked_place(schema: dict[str, Any]) -> set[str]:
    """Property paths named like personal data that are not inside a `personal` object."""
    defs = schema.get("$defs", {})
    found: set[str] = set()

    def walk(node: dict[str, Any], path: str, seen: frozenset[str]) -> None:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                walk(defs[name], path, seen | {name})
            return
        for key in ("anyOf", "allOf", "oneOf"):
            for option in node.get(key, []):
                walk(option, path, seen)
        if "items" in node:
            walk(node["items"], path + "[]", seen)
        for prop, sub in node.get("properties", {}).items():
            if prop == "personal":
                continue
            if prop in PERSONAL_FIELDS:
                found.add(f"{path}.{prop}")
            walk(sub, f"{path}.{prop}", seen)

    walk(schema, "data", frozenset())
    return found


def test_personal_data_travels_only_inside_personal_in_every_event() -> None:
    for event_type, model in EVENT_MODELS.items():
        assert _personal_outside_the_marked_place(model.model_json_schema()) == set(), event_type


def test_participant_events_other_than_contact_changed_are_pseudonymous() -> None:
    participant_types = {
        t for t, m in EVENT_MODELS.items() if m.__module__.endswith("participants")
    }
    with_personal = {t for t in participant_types if "personal" in EVENT_MODELS[t].model_fields}
    assert with_personal == {"participant.contact_changed.v1"}
    assert set(ParticipantRegistered.model_fields) == {
        "participant_id",
        "preferred_language",
        "profile",
    }
    assert not PERSONAL_FIELDS & set(MatchingProfile.model_fields)
    assert {"given_name", "family_name", "email", "phone"} <= set(ParticipantContact.model_fields)


def test_an_old_registered_event_with_personal_data_parses_without_it() -> None:
    # Events from before the contract change still carry `personal`: they are read, and the
    # personal part is dropped, not kept in the model.
    document = json.loads(new_event(_registered(), service="participants", subject="s").to_json())
    document["data"]["personal"] = {"given_name": "Aino", "family_name": "Laine"}
    data = parse_data(parse_envelope(json.dumps(document).encode()), ParticipantRegistered)
    assert data == _registered()
    assert "Aino" not in data.model_dump_json()


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


def _wire_variants() -> list[bytes]:
    """One envelope as a producer may write it: other spacing, an offset time, numbers of
    every kind, nested and non-ASCII data, an extension; in UTF-16 and with a byte-order
    mark (which only Python's parser reads)."""
    document = json.loads(
        new_event(_contact_changed(), service="participants", subject="s").to_json()
    )
    document["time"] = "2026-06-01T12:00:00.123456+03:00"
    document["data"]["extra"] = {"n": [1, 1.5, 10**30, 1e300, None, True], "t": "ä\u0000€"}
    document["newextension"] = "x"
    text = json.dumps(document)
    return [
        text.encode(),
        json.dumps(document, indent=2, ensure_ascii=False).encode(),
        text.encode("utf-16"),
        b"\xef\xbb\xbf" + text.encode(),
    ]


@pytest.mark.parametrize("raw", _wire_variants())
def test_the_one_pass_reading_is_the_same_as_parsing_then_validating(raw: bytes) -> None:
    """`parse_envelope` validates the bytes in one pass and falls back to `json.loads` then
    validation: either way the same envelope, the same data."""
    assert parse_envelope(raw) == CloudEvent.model_validate(json.loads(raw))


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'"a string"', "not a JSON object"),
        (b'{"specversion": "0.3"}', "invalid envelope"),
        (b'{"specversion": "1.0"', "not JSON"),
        (None, "empty message value"),
    ],
)
def test_what_cannot_be_read_says_why(raw: bytes | None, reason: str) -> None:
    with pytest.raises(InvalidEventError, match=reason):
        parse_envelope(raw)


def test_the_reason_never_repeats_input_values() -> None:
    event = new_event(_contact_changed(), service="participants", subject="s")
    document = json.loads(event.to_json())
    document["data"]["personal"]["given_name"] = {"secret": "Aino Laine 010190-123A"}
    with pytest.raises(InvalidEventError) as err:
        parse_data(CloudEvent.model_validate(document), ParticipantContactChanged)
    assert "010190" not in err.value.reason
    assert "personal.given_name" in err.value.reason


def test_the_committed_event_catalogue_is_current() -> None:
    committed = Path(__file__).resolve().parents[3] / "docs" / "events.md"
    assert committed.read_text(encoding="utf-8") == render(), "run `make docs`"
