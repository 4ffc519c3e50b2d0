"""The use cases' refusals become the same problem details the API answered before they were
refusals (status, title, detail, no extras). No database: a connection that finds nothing."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from voimala_kit.auth import Principal
from voimala_kit.clock import SetClock
from voimala_kit.http import problem_of
from voimala_kit.outbox import Outbox
from voimala_kit.refusals import DomainError
from voimala_notifications.domain.links import ActionLink, sign
from voimala_notifications.domain.recipients import Preferences
from voimala_notifications.domain.templates import Templates
from voimala_notifications.handlers import actions, deliveries, inbox, preferences
from voimala_notifications.handlers.deps import Deps
from voimala_notifications.settings import Settings

from .samples import NOW, recipient

SECRET = "refusals-test-secret-0123456789"


class _Nothing:
    """A connection on which every row asked for is missing and every insert conflicts."""

    async def fetchval(self, *args: Any) -> None:
        return None

    async def fetchrow(self, *args: Any) -> None:
        return None

    async def execute(self, *args: Any) -> str:
        return ""


@pytest.fixture(scope="module")
def deps() -> Deps:
    return Deps(Settings(link_secret=SECRET), SetClock(NOW), Outbox("notifications"), Templates())


def _who(role: str, subject: str | None = None) -> Principal:
    return Principal(subject or str(uuid.uuid4()), frozenset({role}))


async def _body(refused: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
    with pytest.raises(DomainError) as caught:
        await refused()
    response = problem_of(caught.value).response()
    assert "location" not in response.headers
    body: dict[str, Any] = json.loads(bytes(response.body))
    assert body["status"] == response.status_code
    assert body.pop("type") == "about:blank"
    return body


def _problem(status: int, title: str, detail: str) -> dict[str, Any]:
    return {"status": status, "title": title, "detail": detail}


async def test_inbox_refusals(deps: Deps) -> None:
    conn: Any = _Nothing()
    mine = uuid.uuid4()

    async def read_someone_elses() -> None:
        inbox.may_read(_who("participant"), mine)

    assert await _body(read_someone_elses) == _problem(
        403, "Forbidden", "you may read only your own messages"
    )
    cmd = inbox.MarkRead(mine, uuid.uuid4())
    assert await _body(lambda: inbox.mark_read(deps, conn, cmd, _who("coordinator"))) == (
        _problem(403, "Forbidden", "only the recipient marks a message read")
    )
    owner = _who("participant", str(mine))
    assert await _body(lambda: inbox.mark_read(deps, conn, cmd, owner)) == _problem(
        404, "Not found", "no such message in this inbox"
    )


async def test_preference_refusals(deps: Deps) -> None:
    conn: Any = _Nothing()
    someone = uuid.uuid4()
    chosen = Preferences("fi", None, [], None, None, digest=True)
    put = preferences.SetPreferences(someone, chosen)
    assert await _body(lambda: preferences.set_preferences(deps, conn, put, _who("mentor"))) == (
        _problem(403, "Forbidden", "you may see and change only your own preferences")
    )
    staff = _who("coordinator")
    assert await _body(lambda: preferences.get_preferences(deps, conn, someone, staff)) == (
        _problem(404, "Not found", "no such recipient")
    )
    register = preferences.RegisterStaff(someone, "Sari", "sari@salo.example", "fi")
    assert await _body(lambda: preferences.register_staff(deps, conn, register, staff)) == (
        _problem(403, "Forbidden", "coordinators register their own address")
    )
    herself = _who("coordinator", str(someone))
    assert await _body(lambda: preferences.register_staff(deps, conn, register, herself)) == (
        _problem(409, "Conflict", "this id is not a staff member's")
    )


async def test_a_digest_is_refused_to_a_participant(deps: Deps) -> None:
    class _Participant(_Nothing):
        async def fetchrow(self, *args: Any) -> Any:
            return vars(person)

    person = recipient()
    conn: Any = _Participant()
    put = preferences.SetPreferences(person.id, Preferences("fi", None, [], None, None, True))
    who = _who("participant", str(person.id))
    assert await _body(lambda: preferences.set_preferences(deps, conn, put, who)) == _problem(
        422, "Digest not offered", "a daily digest is for mentors and staff"
    )


async def test_delivery_and_link_refusals(deps: Deps) -> None:
    conn: Any = _Nothing()
    ops = _who("ops")
    assert await _body(lambda: deliveries.retry_message(deps, conn, uuid.uuid4(), ops)) == (
        _problem(409, "Not failed", "only a failed message can be tried again")
    )

    async def altered() -> None:
        actions.check_link(deps, "payload.signature")

    assert await _body(altered) == _problem(
        400, "Invalid link", "this link was not made by Voimala or was altered"
    )
    link = ActionLink(
        uuid.uuid4(), uuid.uuid4(), "accept", "mentor", uuid.uuid4(), uuid.uuid4(), NOW
    )
    assert actions.check_link(deps, sign(link, SECRET)) == link
    assert await _body(lambda: actions.answer_proposal(deps, conn, link)) == _problem(
        409, "Already answered", "this proposal was already answered"
    )
