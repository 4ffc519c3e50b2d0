"""Pure delivery rules: SMS segments, quiet hours, channel choice, signed links."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
from voimala_notifications.domain.choice import Reachable, choose_channels
from voimala_notifications.domain.links import ActionLink, BadLink, sign, verify
from voimala_notifications.domain.privacy import (
    HeldMessage,
    SharedContact,
    contact_strings,
    export,
    fit,
    message_record,
    without_contact,
)
from voimala_notifications.domain.sms import measure
from voimala_notifications.domain.timing import in_quiet_hours, next_local, release_time

from .samples import NOW, recipient

QUIET = (time(21, 0), time(8, 0))


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("", "gsm7", 0),
        ("a" * 160, "gsm7", 1),
        ("a" * 161, "gsm7", 2),
        ("a" * 306, "gsm7", 2),
        ("a" * 307, "gsm7", 3),
        ("Hyvää päivää, Åsa! Kielikahvila alkaa.", "gsm7", 1),
        ("€" * 80, "gsm7", 1),  # an extension character takes two septets
        ("€" * 81, "gsm7", 2),
        ("Привет", "ucs2", 1),
        ("š" * 70, "ucs2", 1),
        ("š" * 71, "ucs2", 2),
        ("🙂" * 35, "ucs2", 1),  # outside the BMP: two units each
        ("🙂" * 36, "ucs2", 2),
    ],
)
def test_sms_segments(text: str, encoding: str, segments: int) -> None:
    length = measure(text)
    assert (length.encoding, length.segments) == (encoding, segments)


def _utc(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


def test_quiet_hours_in_helsinki_time_across_dst() -> None:
    # 27.11. (winter, UTC+2): 23:00 local is 21:00 UTC; 20:59 local is allowed.
    assert in_quiet_hours(_utc(2026, 11, 27, 21), *QUIET)
    assert not in_quiet_hours(_utc(2026, 11, 27, 18, 59), *QUIET)
    assert release_time(_utc(2026, 11, 27, 21), *QUIET) == _utc(2026, 11, 28, 6)
    # Just after midnight local is still quiet, released the same morning.
    assert release_time(_utc(2026, 11, 27, 22, 30), *QUIET) == _utc(2026, 11, 28, 6)
    # Summer (UTC+3): 08:00 local is 05:00 UTC.
    assert release_time(_utc(2026, 6, 10, 20), *QUIET) == _utc(2026, 6, 11, 5)
    # The night the clocks go back (25.10.2026): 08:00 local is 06:00 UTC.
    assert release_time(_utc(2026, 10, 24, 20), *QUIET) == _utc(2026, 10, 25, 6)
    assert release_time(_utc(2026, 11, 27, 10), *QUIET) is None
    # A window that does not span midnight, and none at all.
    assert in_quiet_hours(_utc(2026, 11, 27, 11), time(12), time(14))
    assert not in_quiet_hours(_utc(2026, 11, 27, 11), time(8), time(8))
    assert next_local(_utc(2026, 11, 27, 6), time(8)) == _utc(2026, 11, 27, 6)


def _person(**changes: object) -> Reachable:
    base: dict[str, object] = {
        "kind": "participant",
        "status": "active",
        "email": "a@example.fi",
        "phone": "+358401234567",
        "preferred_channel": "email",
        "channels": None,
        "email_allowed": True,
        "sms_allowed": True,
        "opted_out": (),
    }
    base.update(changes)
    return Reachable(**base)  # type: ignore[arg-type]


ALL = ("in_app", "email", "sms")


def test_channel_choice() -> None:
    assert choose_channels(_person(), ALL, "reminders", False) == ["in_app", "email"]
    chosen = choose_channels(_person(channels=["sms", "email"]), ALL, "reminders", False)
    assert chosen == ["in_app", "email", "sms"]  # the inbox is the record, always
    # Opted out: only the inbox, unless the message is mandatory.
    out = _person(opted_out=["reminders"], channels=["email", "sms"])
    assert choose_channels(out, ALL, "reminders", False) == ["in_app"]
    assert choose_channels(out, ALL, "reminders", True) == ["in_app", "email", "sms"]
    # A withdrawn consent holds also for mandatory messages; no address, no channel.
    assert choose_channels(_person(email_allowed=False), ALL, "x", True) == ["in_app"]
    assert choose_channels(_person(email=None, channels=["email"]), ALL, "x", False) == ["in_app"]
    # Exited: nothing at all. A guest has no inbox.
    assert choose_channels(_person(status="exited"), ALL, "x", True) == []
    assert choose_channels(_person(kind="guest"), ALL, "x", False) == ["email"]


def _link(expires: datetime | None = None) -> ActionLink:
    return ActionLink(
        link_id=uuid.uuid4(),
        proposal_id=uuid.uuid4(),
        answer="accept",
        responder_kind="mentor",
        responder_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        expires_at=(expires or datetime(2026, 12, 1, tzinfo=UTC)),
    )


def test_a_signed_link_round_trips_and_refuses_tampering() -> None:
    link = _link()
    token = sign(link, "secret-one-0123456789")
    assert verify(token, "secret-one-0123456789") == link
    with pytest.raises(BadLink):
        verify(token, "secret-two-0123456789")
    payload, _, signature = token.partition(".")
    other = sign(_link(datetime(2030, 1, 1, tzinfo=UTC)), "x" * 20).partition(".")[0]
    bad_ones = (f"{other}.{signature}", payload, f"{payload}.", "", "a.b.c", token[:-2] + "AA")
    # Not ASCII (what an address bar or a fuzzer may send): refused, never a TypeError.
    unicode = (f"{payload}.{signature[:-1]}é", f"{payload}\ud800.{signature}", "ä.ö")
    for bad in (*bad_ones, *unicode):
        with pytest.raises(BadLink):
            verify(bad, "secret-one-0123456789")


def test_the_link_keeps_its_expiry() -> None:
    expiry = datetime(2026, 12, 1, 10, tzinfo=UTC)
    token = sign(_link(expiry), "s" * 20)
    assert verify(token, "s" * 20).expires_at == expiry
    assert verify(token, "s" * 20).expires_at - timedelta(seconds=1) < expiry


def _held(n: int, template: str = "reminder", body: str = "Hei!") -> list[HeldMessage]:
    return [
        HeldMessage(
            id=uuid.uuid4(),
            recipient_id=uuid.uuid4(),
            event_id=uuid.uuid4(),
            channel="email",
            template=template,
            category="reminders",
            mandatory=False,
            language="fi",
            subject="Muistutus",
            body=body,
            status="sent",
            attempts=1,
            last_error=None,
            not_before=NOW,
            created_at=NOW - timedelta(minutes=i),
            sent_at=NOW,
            read_at=None,
            ref=None,
        )
        for i in range(n)
    ]


def test_an_export_over_the_limit_keeps_the_newest_of_its_longest_data_set() -> None:
    held = _held(40, body="x" * 1000)
    whole = export(recipient(), held)
    assert "_truncated" not in whole
    cut = fit(whole, limit=20_000)
    assert len(json.dumps(cut, separators=(",", ":"))) <= 20_000
    kept = {c["data_set"]: (c["kept"], c["total"]) for c in cut["_truncated"]}
    assert kept["messages"][1] == 40
    assert 0 < kept["messages"][0] < 40
    # Newest first: what is kept is the beginning of the list.
    assert cut["messages"] == whole["messages"][: kept["messages"][0]]
    assert cut["contact"] == whole["contact"]


def test_an_export_leaves_out_the_links_that_act_as_the_person() -> None:
    (signin,) = _held(1, "sign_in", "Kirjaudu: https://portal.example/signin/abc.def?lang=fi")
    (proposal,) = _held(1, "match_proposed", "Hyväksy: https://x.example/actions/abc.def")
    assert "https://" not in message_record(signin)["body"]
    assert "https://" not in message_record(proposal)["body"]


def test_a_shared_contact_is_replaced_in_another_s_message() -> None:
    person = recipient(given_name="Aino", family_name="Virtanen", email="a@x.fi", phone="+3584")
    text = "Hei Pekka!\n\nAino Virtanen\na@x.fi\n+3584"
    shared = SharedContact(uuid.uuid4(), "Yhteystiedot", text, "<p>old</p>")
    redacted = without_contact(shared, contact_strings(person))
    assert redacted.body == "Hei Pekka!\n\n[erased]\n[erased]\n[erased]"
    assert redacted.html is not None
    assert "a@x.fi" not in redacted.html
