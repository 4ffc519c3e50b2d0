"""A batch's registration events are written out (handlers/registration_queue._data and
_outboxed) rather than made by the contract's models: the very bytes `new_event` gives for
`RegistrationConfirmed` / `RegistrationWaitlisted` of the registration, with the guest's
contact sealed ahead, or sealed with the outbox's keyring where it was not."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from voimala_contracts import new_event
from voimala_contracts.scheduling import RegistrationConfirmed, RegistrationWaitlisted
from voimala_kit.personal import SEALED
from voimala_scheduling.domain.occurrences import Occurrence, info
from voimala_scheduling.domain.registrations import Registration
from voimala_scheduling.handlers import registration_queue as q
from voimala_scheduling.handlers.registrations import Register, _event_fields

from .conftest import occurrence, registration

NOW = datetime(2026, 12, 2, 16, 30, 1, 234567, tzinfo=UTC)


def _occurrence() -> Occurrence:
    """An occurrence of its own (the batch keeps each one's part), texts JSON must escape."""
    title = {"fi": 'Kurssi "ä" <b>', "en": "A course"}
    return occurrence(id=uuid.uuid4(), series_id=uuid.uuid4(), updated_at=NOW, title=title)


def _registration(occ: Occurrence, guest: bool) -> Registration:
    """A guest's (their contact personal) or a participant's registration for `occ`."""
    who: dict[str, object] = (
        {"guest_name": "Ään Guest", "guest_email": "g@example.fi", "guest_phone": "+358401234567"}
        | {"guest_language": "sv"}
        if guest
        else {"participant_id": uuid.uuid4(), "guest_name": None, "guest_email": None}
    )
    return registration(
        id=uuid.uuid4(), occurrence_id=occ.id, person_key="k", created_at=NOW, **who
    )


def _ask(correlation: str | None, sealed: bool, reg: Registration) -> q.Ask:
    """As `_sealed_with` makes it: only a guest's contact is sealed ahead."""
    contact = q._contact(reg)
    sealed = sealed and contact is not None
    return q.Ask(
        Register(reg.occurrence_id, reg.participant_id, None, None),
        None,
        reg.participant_id,
        "k",
        reg.id,
        None,
        correlation,
        "cause-1" if correlation else None,
        contact if sealed else None,
        {"sealed": SEALED, "key": f"guest:{reg.id}", "nonce": "n", "ciphertext": "c"}
        if sealed
        else None,
    )


@dataclass
class _Keyring:
    async def seal_data(self, subject: str, body: dict[str, Any]) -> dict[str, Any]:
        return {**body, "personal": {"sealed": SEALED, "by": "keyring", "subject": subject}}


@dataclass
class _Outbox:
    service: str = "events"
    topic: str = "voimala.events"
    keyring: _Keyring | None = None


@dataclass
class _Deps:
    outbox: _Outbox


async def _old_way(
    deps: _Deps,
    a: q.Ask,
    reg: Registration,
    occ: Occurrence,
    position: int | None,
    event_id: uuid.UUID,
    correlation: str,
) -> bytes:
    """What the batch wrote before (`_event_fields`, the model, `new_event`, the sealing)."""
    fields = _event_fields(occ, reg, info(occ))
    data = (
        RegistrationConfirmed(**fields)
        if position is None
        else RegistrationWaitlisted(**fields, position=position)
    )
    event = new_event(
        data,
        service=deps.outbox.service,
        subject=str(occ.id),
        correlation_id=correlation,
        causation_id=a.causation,
        event_id=event_id,
        time=NOW,
    )
    body = event.data
    if a.sealed is not None and body.get("personal") == a.contact:
        body = {**body, "personal": a.sealed}
    if body.get("personal") is not None and "sealed" not in body["personal"]:
        assert deps.outbox.keyring is not None
        body = await deps.outbox.keyring.seal_data(str(occ.id), body)
    return event.model_copy(update={"data": body}).to_json()


@pytest.mark.parametrize("guest", [True, False])
@pytest.mark.parametrize("position", [None, 1, 42])
@pytest.mark.parametrize("sealed", [True, False])
@pytest.mark.parametrize("correlation", ["corr-1", None])
async def test_the_written_event_is_the_bytes_new_event_gives(
    guest: bool, position: int | None, sealed: bool, correlation: str | None
) -> None:
    occ = _occurrence()
    reg = _registration(occ, guest)
    a = _ask(correlation, sealed, reg)
    deps = _Deps(_Outbox(keyring=_Keyring()))

    data = q._data(a, reg, q._about(occ), position)
    event_id, topic, key, payload = await q._outboxed(deps, a, data, position, str(occ.id), NOW)  # type: ignore[arg-type]

    found = json.loads(payload)
    assert event_id == uuid.UUID(found["id"])
    assert topic == "voimala.events"
    assert key == str(occ.id)
    if correlation is None:  # a new correlation, as work_context starts one
        assert found["correlationid"]
        assert found["correlationid"] != found["id"]
    expected = await _old_way(deps, a, reg, occ, position, event_id, found["correlationid"])
    assert payload == expected
    assert list(found["data"]) == list(json.loads(expected)["data"])
    if guest:
        assert found["data"]["personal"]["sealed"] == SEALED


async def test_a_contact_other_than_the_one_sealed_ahead_is_sealed_by_the_keyring() -> None:
    occ = _occurrence()
    reg = _registration(occ, guest=True)
    a = replace(_ask("c", True, reg), contact={"name": "someone else"})
    deps = _Deps(_Outbox(keyring=_Keyring()))
    data = q._data(a, reg, q._about(occ), None)
    *_, payload = await q._outboxed(deps, a, data, None, str(occ.id), NOW)  # type: ignore[arg-type]
    assert json.loads(payload)["data"]["personal"]["by"] == "keyring"


async def test_an_occurrence_part_is_made_again_when_the_occurrence_changed() -> None:
    occ = _occurrence()
    first = q._about(occ)
    assert q._about(replace(occ, confirmed=9)) is first
    moved = replace(occ, starts_at=occ.starts_at + timedelta(hours=1))
    assert q._about(moved)["starts_at"] != first["starts_at"]
    renamed = replace(moved, title={"fi": "Uusi nimi"})
    assert q._about(renamed)["title"]["fi"] == "Uusi nimi"
    assert q._about(renamed) == info(renamed).model_dump(mode="json")
