"""Registration skips FastAPI's dependency solving for a plain request (`voimala_kit.http.hot`,
api/hot.py): what it answers, the events it writes (the guest's contact sealed with their own
key) and the audit rows are the same as for a request FastAPI serves, and every request the
resolver does not take plainly (a malformed body, another content type, a bad token) gets
FastAPI's own answer. A request is left to FastAPI here by naming its JSON with a charset,
which FastAPI reads as JSON and the resolver does not take. The relay is off: the outbox rows
stay to be read."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from voimala_kit.personal import Keyring
from voimala_kit.testing import auth, opened
from voimala_scheduling.api import hot
from voimala_scheduling.settings import Settings

from .conftest import first_occurrence, guest, new_series

PLAIN = {"Content-Type": "application/json"}
#: JSON that FastAPI reads as it reads the plain kind, and the resolver leaves to it.
LEFT = {"Content-Type": "application/json; charset=utf-8"}
_WHEN = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


@pytest.fixture(scope="module")
async def settings(service_settings: Callable[..., Awaitable[Settings]]) -> Settings:
    # Reminders an hour ahead, not a day: the occurrences start tomorrow, and a reminder.due.v1
    # of a confirmed registration (due at once from midday on) would be a second outbox event
    # with its registration id.
    return await service_settings(
        Settings, scheduler_poll_seconds=0.3, run_relay=False, reminder_lead_hours=1.0
    )


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each request the resolver read a body of: whether it took it (served it hot)."""
    seen: list[bool] = []
    real = hot.body_of

    def spy(raw: bytes) -> Any:
        found = real(raw)
        seen.append(found is not None)
        return found

    monkeypatch.setattr(hot, "body_of", spy)
    return seen


async def _occurrence(client: httpx.AsyncClient, staff: dict[str, str], seats: int = 5) -> str:
    occ: str = (
        await first_occurrence(client, (await new_series(client, staff, capacity=seats))["id"])
    )["occurrence_id"]
    return occ


async def _post(
    client: httpx.AsyncClient, occ: str, body: Any, headers: dict[str, str], **more: str
) -> httpx.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await client.post(
        f"/occurrences/{occ}/registrations", content=raw, headers={**headers, **more}
    )


def _shape(r: httpx.Response) -> list[tuple[str, Any]]:
    """The answer with what differs between two registrations (ids, times, tokens) masked,
    in the order of its keys."""
    varying = {"id", "created_at", "cancel_token"}
    return [(k, type(v).__name__ if k in varying else v) for k, v in r.json().items()]


async def _event(db: asyncpg.Connection, registration_id: str) -> dict[str, Any]:
    rows = await db.fetch("SELECT payload FROM outbox")
    events = [json.loads(bytes(r["payload"])) for r in rows]
    (found,) = [e for e in events if e["data"].get("registration_id") == registration_id]
    return found


async def test_a_guest_registers_alike_served_hot_or_by_fastapi(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    db: asyncpg.Connection,
    keyring: Keyring,
    taken: list[bool],
) -> None:
    occ = await _occurrence(client, staff, seats=1)
    first, second = guest("hot-a"), guest("hot-b")
    second["guest"]["name"] = first["guest"]["name"]
    plain = await _post(client, occ, first, PLAIN)
    left = await _post(client, occ, second, LEFT)
    assert taken == [True]  # the second never reached the resolver's body
    assert plain.status_code == left.status_code == 201, (plain.text, left.text)
    assert plain.headers["content-type"] == left.headers["content-type"] == "application/json"
    assert _shape(plain) == [(k, v if k != "status" else "confirmed") for k, v in _shape(plain)]
    assert [k for k, _ in _shape(plain)] == [k for k, _ in _shape(left)]
    assert (plain.json()["status"], left.json()["status"]) == ("confirmed", "waitlisted")
    assert (plain.json()["position"], left.json()["position"]) == (None, 1)
    for r in (plain, left):
        assert _WHEN.fullmatch(r.json()["created_at"])
        assert len(r.json()["cancel_token"]) == 32
    for r, asked in ((plain, first), (left, second)):
        # What it answers is what was stored.
        row = await db.fetchrow(
            "SELECT created_at, status FROM registration WHERE id = $1", uuid.UUID(r.json()["id"])
        )
        assert row is not None
        assert r.json()["created_at"] == row["created_at"].isoformat().replace("+00:00", "Z")
        assert r.json()["status"] == row["status"]
        event = await _event(db, r.json()["id"])
        own = f"guest:{r.json()['id']}"
        assert event["data"]["personal"]["key"] == own
        assert asked["guest"]["email"] not in json.dumps(event)
        contact = (await opened(keyring, event))["data"]["personal"]
        assert contact == {**asked["guest"], "phone": None, "language": "fi"}


async def test_staff_register_a_participant_alike_and_it_is_audited_alike(
    client: httpx.AsyncClient, staff: dict[str, str], db: asyncpg.Connection, taken: list[bool]
) -> None:
    occ = await _occurrence(client, staff)
    ids = [str(uuid.uuid4()), str(uuid.uuid4())]
    plain = await _post(client, occ, {"participant_id": ids[0]}, {**PLAIN, **staff})
    left = await _post(client, occ, {"participant_id": ids[1]}, {**LEFT, **staff})
    assert taken == [True]
    assert plain.status_code == left.status_code == 201, (plain.text, left.text)
    masked = [(k, "pid" if k == "participant_id" else v) for k, v in _shape(plain)]
    assert masked == [(k, "pid" if k == "participant_id" else v) for k, v in _shape(left)]
    rows = await db.fetch(
        "SELECT participant_id, actor, purpose FROM audit_log "
        "WHERE action = 'registration.created' AND participant_id = ANY($1::uuid[])",
        [uuid.UUID(i) for i in ids],
    )
    assert sorted(str(r["participant_id"]) for r in rows) == sorted(ids)
    assert {(r["actor"], r["purpose"]) for r in rows} == {(rows[0]["actor"], "staff_view")}
    # The same participant again: the same refusal on both paths.
    again = await _post(client, occ, {"participant_id": ids[0]}, {**PLAIN, **staff})
    again_left = await _post(client, occ, {"participant_id": ids[0]}, {**LEFT, **staff})
    assert again.status_code == again_left.status_code == 409
    assert again.json() == again_left.json()


async def test_a_participant_registers_themselves_with_no_body_alike(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    token: Callable[..., str],
    taken: list[bool],
) -> None:
    occ = await _occurrence(client, staff)
    me, other = str(uuid.uuid4()), str(uuid.uuid4())
    # No body and no Content-Type: "{}" to the API (the kit's guard), served hot.
    plain = await client.post(
        f"/occurrences/{occ}/registrations", headers=auth(token("participant", subject=me))
    )
    left = await _post(client, occ, {}, {**LEFT, **auth(token("participant", subject=other))})
    assert taken == [True]
    assert plain.status_code == left.status_code == 201, (plain.text, left.text)
    assert (plain.json()["participant_id"], left.json()["participant_id"]) == (me, other)


async def test_what_the_resolver_does_not_take_is_fastapis_answer(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    token: Callable[..., str],
    taken: list[bool],
) -> None:
    occ = await _occurrence(client, staff)
    bad_token = {"Authorization": "Bearer not-a-token"}
    participant = auth(token("participant", subject=str(uuid.uuid4())))
    cases: list[tuple[str, Any, dict[str, str]]] = [
        (occ, {"guest": {"name": "A", "email": "not-an-email"}}, {}),
        (occ, {"guest": {"name": "   ", "email": "a@example.fi"}}, {}),
        (occ, {"guest": {"name": "A"}}, {}),
        (occ, {"guest": {"name": "A", "email": "a@example.fi"}, "colour": "red"}, {}),
        (occ, {"guest": {"name": "A", "email": "a@example.fi", "language": "de"}}, {}),
        (occ, {"participant_id": "nope"}, staff),
        (occ, ["guest"], {}),
        (occ, b'{"guest": ', {}),
        (occ, b"\xff\xfe", {}),
        (occ, {}, {}),  # a guest without a token must say who they are (the handler's 422)
        (occ, guest("hot-401"), bad_token),
        (occ, {"guest": {"name": "A"}}, bad_token),  # the body is read first: 422
        (occ, guest("hot-self"), participant),  # a participant registers only themselves
        (occ, guest("hot-403"), auth(token("employer"))),
        (str(uuid.uuid4()), guest("hot-404"), {}),
        ("not-a-uuid", guest("hot-422"), {}),
    ]
    for where, body, headers in cases:
        plain = await _post(client, where, body, {**PLAIN, **headers})
        left = await _post(client, where, body, {**LEFT, **headers})
        assert plain.status_code == left.status_code >= 400, (body, plain.text, left.text)
        assert plain.headers["content-type"] == left.headers["content-type"]
        assert plain.json() == left.json(), body
    # Taken (and answered from the handler's refusals) only where the body was plain and valid.
    assert taken.count(True) == 5

    text = await _post(client, occ, guest("hot-text"), {"Content-Type": "text/plain"})
    assert text.status_code == 422
    assert text.json()["errors"][0]["loc"] == ["body"]
