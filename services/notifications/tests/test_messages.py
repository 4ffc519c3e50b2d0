"""Pure message rules (no database): the sign-in e-mail and what the portal is told, the
digest, the events that tell what became of a message, and who may take a digest."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from voimala_kit.refusals import Invalid
from voimala_notifications.domain.digests import DigestItem, digest_email, digest_values
from voimala_notifications.domain.messages import (
    Due,
    NewMessage,
    failed_note,
    inbox_note,
    sent_note,
)
from voimala_notifications.domain.recipients import check_digest
from voimala_notifications.domain.signin import (
    SigninIdentity,
    identified,
    sign_in_email,
    sign_in_values,
)
from voimala_notifications.domain.templates import Templates

from .samples import NOW, recipient


def _identity(**changes: object) -> SigninIdentity:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "kind": "partner",
        "preferred_language": "sv",
        "given_name": "Riikka",
        "family_name": "Salminen",
        "org": uuid.uuid4(),
    }
    return SigninIdentity(**(values | changes))  # type: ignore[arg-type]


def test_the_sign_in_link_speaks_the_persons_language_and_says_its_minutes() -> None:
    person = _identity()
    values = sign_in_values(person, "http://portal/l/abc", NOW + timedelta(seconds=899), NOW)
    assert values == {"given_name": "Riikka", "link": "http://portal/l/abc?lang=sv", "minutes": 14}
    assert sign_in_values(person, "x", NOW + timedelta(seconds=5), NOW)["minutes"] == 1


def test_the_sign_in_email_is_mandatory_by_email_and_not_kept_in_the_inbox() -> None:
    person = _identity()
    rendered = Templates().render("sign_in", "sv", sign_in_values(person, "l", NOW, NOW))
    event_id = uuid.uuid4()

    email = sign_in_email(person, rendered, event_id, NOW - timedelta(seconds=3), NOW)

    assert (email.channel, email.status, email.not_before) == ("email", "queued", NOW)
    assert (email.category, email.mandatory, email.template) == ("account", True, "sign_in")
    assert (email.recipient_id, email.event_id) == (person.id, event_id)
    assert email.caused_at == NOW - timedelta(seconds=3)
    assert email.language == "sv"
    assert email.html


@pytest.mark.parametrize(
    ("kind", "role"),
    [("partner", "employer"), ("mentor", "mentor"), ("participant", "participant")],
)
def test_the_portal_is_told_the_role_and_the_subject(kind: str, role: str) -> None:
    person = _identity(kind=kind, org=None)
    link_id = uuid.uuid4()
    told = identified(person, link_id)
    assert (told.link_id, told.role, told.subject, told.org) == (link_id, role, person.id, None)
    assert told.personal.name == "Riikka Salminen"


def test_the_name_told_is_what_is_known_of_it_and_at_most_200_characters() -> None:
    assert identified(_identity(family_name=None), uuid.uuid4()).personal.name == "Riikka"
    assert (
        identified(_identity(given_name=None, family_name=None), uuid.uuid4()).personal.name == ""
    )
    long = identified(_identity(given_name="A" * 150, family_name="B" * 150), uuid.uuid4())
    assert len(long.personal.name) == 200


def test_a_digest_is_an_email_of_its_own_with_the_days_messages() -> None:
    mentor = recipient(kind="mentor", given_name="Mirja")
    items = [
        DigestItem(uuid.uuid4(), "Ehdotus 1", "Teksti 1", NOW),
        DigestItem(uuid.uuid4(), "Ehdotus 2", "Teksti 2", NOW),
    ]
    values = digest_values(mentor, items)
    assert values == {
        "given_name": "Mirja",
        "items": [
            {"subject": "Ehdotus 1", "text": "Teksti 1"},
            {"subject": "Ehdotus 2", "text": "Teksti 2"},
        ],
    }
    rendered = Templates().render("digest", "fi", values)
    digest_id = uuid.uuid4()

    email = digest_email(mentor.id, rendered, digest_id, NOW)

    assert email.id == email.event_id == digest_id
    assert (email.channel, email.status, email.category, email.digest) == (
        "email",
        "queued",
        "digest",
        False,
    )
    assert rendered.subject == "Voimalan päivän kooste: 2 viestiä"


def _due(**changes: object) -> Due:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "recipient_id": uuid.uuid4(),
        "event_id": uuid.uuid4(),
        "channel": "email",
        "template": "reminder",
        "category": "reminders",
        "subject": "Muistutus",
        "body": "Hei Aino! Kielikahvila huomenna.",
        "html": None,
        "attempts": 2,
        "caused_at": NOW,
        "recipient_status": "active",
        "email": "aino@example.fi",
        "phone": "+358401234567",
    }
    return Due(**(values | changes))  # type: ignore[arg-type]


def test_a_due_message_goes_to_its_channels_address() -> None:
    assert _due().address == "aino@example.fi"
    assert _due(channel="sms").address == "+358401234567"


def test_what_became_of_a_message_is_told_without_its_body_or_address() -> None:
    message = _due()
    at = datetime(2026, 11, 27, 13, tzinfo=UTC)

    sent = sent_note(message, at)
    failed = failed_note(message, "smtp_550:" + "x" * 300, at)

    assert (sent.message_id, sent.attempts, sent.sent_at, sent.channel) == (
        message.id,
        3,
        at,
        "email",
    )
    assert (failed.attempts, len(failed.reason), failed.failed_at) == (3, 200, at)
    for told in (sent, failed):
        text = told.model_dump_json()
        assert "aino@example.fi" not in text
        assert "Kielikahvila" not in text


def test_a_message_put_in_the_inbox_is_told_as_sent_at_once() -> None:
    message = NewMessage(
        recipient_id=uuid.uuid4(),
        event_id=uuid.uuid4(),
        channel="in_app",
        template="welcome",
        language="fi",
        subject="Tervetuloa",
        body="Hei!",
        status="sent",
        not_before=NOW,
    )
    message_id = uuid.uuid4()
    told = inbox_note(message, message_id, NOW)
    assert (told.message_id, told.channel, told.attempts, told.sent_at) == (
        message_id,
        "in_app",
        0,
        NOW,
    )
    assert (told.event_id, told.recipient_id) == (message.event_id, message.recipient_id)


@pytest.mark.parametrize("kind", ["mentor", "staff"])
def test_mentors_and_staff_may_take_a_digest(kind: str) -> None:
    check_digest(kind, True)


@pytest.mark.parametrize("kind", ["participant", "partner", "guest"])
def test_others_are_refused_a_digest_and_may_always_go_without(kind: str) -> None:
    check_digest(kind, False)
    with pytest.raises(Invalid) as refused:
        check_digest(kind, True)
    assert (refused.value.title, refused.value.detail) == (
        "Digest not offered",
        "a daily digest is for mentors and staff",
    )
    assert refused.value.status == 422
    assert refused.value.extra == {}
