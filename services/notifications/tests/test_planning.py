"""The planning of messages, pure (no database, no broker): who gets what, on which channel,
in which language and when; quiet hours, digests, old events, reminders, signed links."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from voimala_contracts import CloudEvent, EventData, new_event
from voimala_notifications.domain.links import verify
from voimala_notifications.domain.messages import NewMessage
from voimala_notifications.domain.planning import Occasion, is_stale, occasion, plan
from voimala_notifications.domain.recipients import Recipient
from voimala_notifications.domain.rules import RULES, Send
from voimala_notifications.domain.templates import Templates
from voimala_notifications.settings import Settings

from .samples import NOW, recipient, sample

SECRET = "planning-test-secret-0123456789"
LATE = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)  # 23:00 in Helsinki
EIGHT = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)  # 08:00 in Helsinki


@pytest.fixture(scope="module")
def templates() -> Templates:
    return Templates()


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings(link_secret=SECRET, public_url="https://voimala.example/")


def _event(data: EventData, at: datetime = NOW) -> CloudEvent:
    return new_event(data, service="events", subject="x", time=at)


def _occasion(
    event_type: str,
    data: EventData,
    *,
    index: int = 0,
    now: datetime = NOW,
    event: CloudEvent | None = None,
) -> Occasion:
    event = event or _event(data)
    found = occasion(index, RULES[event_type][index], data, event, now, False)
    assert found is not None
    return found


def _by_channel(
    about: Occasion, people: list[Recipient], templates: Templates, settings: Settings
) -> dict[str, NewMessage]:
    return {m.channel: m for m in plan(about, people, templates, settings).messages}


def test_a_reminder_goes_to_the_inbox_and_every_channel_the_person_takes(
    templates: Templates, settings: Settings
) -> None:
    person = recipient(channels=["email", "sms"])
    data = sample("reminder.due.v1", person.id)
    about = _occasion("reminder.due.v1", data)

    planned = plan(about, [person], templates, settings)

    assert planned.without_sms == 0
    inbox, email, sms = planned.messages
    assert [m.channel for m in planned.messages] == ["in_app", "email", "sms"]
    assert {m.event_id for m in planned.messages} == {about.event.id}
    assert {m.recipient_id for m in planned.messages} == {person.id}
    assert (inbox.status, inbox.not_before, inbox.html) == ("sent", NOW, None)
    assert (email.status, email.not_before) == ("queued", NOW)
    assert email.html is not None
    assert email.html.startswith("<!doctype html>")
    assert (sms.status, sms.segments, sms.html) == ("queued", 1, None)
    assert sms.body.startswith("Voimala muistuttaa: Kielikahvila")
    assert inbox.body == email.body
    assert inbox.body.startswith("Hei Aino!")
    assert {m.category for m in planned.messages} == {"reminders"}
    assert {m.caused_at for m in planned.messages} == {about.event.time}


def test_by_default_the_inbox_and_the_preferred_channel(
    templates: Templates, settings: Settings
) -> None:
    person = recipient(preferred_channel="sms")
    about = _occasion("reminder.due.v1", sample("reminder.due.v1", person.id))
    assert list(_by_channel(about, [person], templates, settings)) == ["in_app", "sms"]


def test_an_sms_in_quiet_hours_waits_for_their_end_and_an_email_does_not(
    templates: Templates, settings: Settings
) -> None:
    person = recipient(channels=["email", "sms"])
    about = _occasion("reminder.due.v1", sample("reminder.due.v1", person.id), now=LATE)

    messages = _by_channel(about, [person], templates, settings)

    sms, email = messages["sms"], messages["email"]
    assert (sms.status, sms.not_before) == ("held", EIGHT)
    assert (email.status, email.not_before) == ("queued", LATE)


def test_a_persons_own_quiet_hours_replace_the_default(
    templates: Templates, settings: Settings
) -> None:
    person = recipient(channels=["sms"], quiet_start=time(23, 30), quiet_end=time(7, 0))
    about = _occasion("reminder.due.v1", sample("reminder.due.v1", person.id), now=LATE)
    assert _by_channel(about, [person], templates, settings)["sms"].status == "queued"

    later = _occasion(
        "reminder.due.v1", sample("reminder.due.v1", person.id), now=LATE + timedelta(hours=1)
    )
    sms = _by_channel(later, [person], templates, settings)["sms"]
    assert (sms.status, sms.not_before) == ("held", EIGHT - timedelta(hours=1))


def _proposal_for(mentor: uuid.UUID) -> EventData:
    return sample("match.proposed.v1").model_copy(
        update={"notify_id": mentor, "notify_kind": "mentor", "kind": "mentor", "mentor_id": mentor}
    )


def test_a_mentor_who_takes_a_digest_gets_the_email_at_the_digest_hour(
    templates: Templates, settings: Settings
) -> None:
    mentor = recipient(kind="mentor", digest=True)
    about = _occasion("match.proposed.v1", _proposal_for(uuid.uuid4()))

    messages = _by_channel(about, [mentor], templates, settings)

    email = messages["email"]
    assert (email.status, email.digest) == ("held", True)
    assert email.not_before == EIGHT
    assert messages["in_app"].status == "sent"


def test_no_digest_for_a_mandatory_message_or_a_participant(
    templates: Templates, settings: Settings
) -> None:
    mentor = recipient(kind="mentor", digest=True)
    confirmed = sample("match.confirmed.v1")
    about = _occasion("match.confirmed.v1", confirmed, index=1)  # the contact: mandatory
    email = _by_channel(about, [mentor], templates, settings)["email"]
    assert (email.status, email.digest) == ("queued", False)

    participant = recipient(digest=True)
    about = _occasion("reminder.due.v1", sample("reminder.due.v1", participant.id))
    email = _by_channel(about, [participant], templates, settings)["email"]
    assert (email.status, email.digest) == ("queued", False)


def test_an_old_event_is_planned_for_the_inbox_only(
    templates: Templates, settings: Settings
) -> None:
    person = recipient(channels=["email", "sms"])
    data = sample("reminder.due.v1", person.id)
    event = _event(data, NOW - timedelta(hours=49))
    assert is_stale(event.time, NOW, 48)
    assert not is_stale(NOW - timedelta(hours=47), NOW, 48)
    about = occasion(0, RULES["reminder.due.v1"][0], data, event, NOW, stale=True)
    assert about is not None

    assert list(_by_channel(about, [person], templates, settings)) == ["in_app"]


def test_each_person_in_their_language(templates: Templates, settings: Settings) -> None:
    fi, sv, en = (recipient(preferred_language=lang) for lang in ("fi", "sv", "en"))
    about = _occasion("registration.confirmed.v1", sample("registration.confirmed.v1"))

    planned = plan(about, [fi, sv, en], templates, settings)

    emails = {m.recipient_id: m for m in planned.messages if m.channel == "email"}
    assert [emails[p.id].language for p in (fi, sv, en)] == ["fi", "sv", "en"]
    assert "Språkcafé" in emails[sv.id].body
    assert "Language café" in emails[en.id].body
    # A text the event has in no other language than Finnish is given in Finnish.
    assert "Salon pääkirjasto, kahvila" in emails[en.id].body


def test_a_guest_has_no_inbox_and_an_exited_person_gets_nothing(
    templates: Templates, settings: Settings
) -> None:
    guest = recipient(kind="guest")
    exited = recipient(status="exited")
    about = _occasion("occurrence.cancelled.v1", sample("occurrence.cancelled.v1"))

    planned = plan(about, [guest, exited], templates, settings)

    assert [(m.recipient_id, m.channel) for m in planned.messages] == [(guest.id, "email")]
    assert planned.messages[0].mandatory


def test_the_expiry_reminder_is_held_until_a_day_before_and_has_its_own_id(
    templates: Templates, settings: Settings
) -> None:
    data = _proposal_for(uuid.uuid4())
    event = _event(data)
    first = _occasion("match.proposed.v1", data, event=event)
    reminder = _occasion("match.proposed.v1", data, index=1, event=event)

    assert first.event_id == first.event.id
    assert reminder.event_id == uuid.uuid5(first.event.id, "match_expiring")
    expires_at: datetime = data.expires_at  # type: ignore[attr-defined]
    assert reminder.due == expires_at - timedelta(hours=24)
    # Only the reminder waits on the proposal: once answered, it is not added.
    assert first.awaits is None
    assert reminder.awaits == data.proposal_id  # type: ignore[attr-defined]
    messages = _by_channel(reminder, [recipient(kind="mentor")], templates, settings)
    assert {m.status for m in messages.values()} == {"held"}
    assert {m.ref for m in messages.values()} == {data.proposal_id}  # type: ignore[attr-defined]


def test_a_reminder_whose_moment_has_passed_is_not_planned() -> None:
    data = _proposal_for(uuid.uuid4())
    expires_at: datetime = data.expires_at  # type: ignore[attr-defined]
    send = RULES["match.proposed.v1"][1]
    assert occasion(1, send, data, _event(data), expires_at - timedelta(hours=23), False) is None


def test_the_links_are_signed_for_the_person_and_the_same_on_a_replay(
    templates: Templates, settings: Settings
) -> None:
    mentor_id = uuid.uuid4()
    person = recipient(kind="mentor", preferred_language="en")
    about = _occasion("match.proposed.v1", _proposal_for(mentor_id))

    email = _by_channel(about, [person], templates, settings)["email"]
    again = _by_channel(about, [person], templates, settings)["email"]

    assert email.body == again.body
    tokens = [
        line.rsplit("/actions/", 1)[1]
        for line in email.body.splitlines()
        if "https://voimala.example/actions/" in line
    ]
    links = [verify(token, SECRET) for token in tokens]
    assert [link.answer for link in links] == ["accept", "decline"]
    assert {(link.user_id, link.responder_id, link.responder_kind) for link in links} == {
        (person.id, mentor_id, "mentor")
    }


def test_the_contact_goes_to_the_answerer_of_a_confirmed_match(
    templates: Templates, settings: Settings
) -> None:
    contact = {"given_name": "Ebba", "family_name": "Lind", "email": "e@x.fi", "phone": None}
    about = _occasion("match.confirmed.v1", sample("match.confirmed.v1"), index=1)

    planned = plan(about, [recipient(kind="partner")], templates, settings, contact)

    (inbox, email) = planned.messages
    assert "Ebba Lind" in email.body
    assert "e@x.fi" in inbox.body


def test_an_sms_without_a_text_is_skipped_and_counted(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "bare.fi.j2").write_text(
        "{% block subject %}Hei{% endblock %}{% block text %}Hei {{ given_name }}{% endblock %}"
    )
    send = Send("participant", "bare", "programme")
    person = recipient(channels=["sms"])
    data = sample("participant.registered.v1", person.id)
    about = occasion(0, send, data, _event(data), NOW, False)
    assert about is not None

    planned = plan(about, [person], Templates(tmp_path), settings)

    assert [m.channel for m in planned.messages] == ["in_app"]
    assert planned.without_sms == 1
