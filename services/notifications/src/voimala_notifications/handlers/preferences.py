"""A person's preferences (channels, language, quiet hours, opt-outs, digest), and staff who
register themselves for programme notices."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from voimala_kit import audit
from voimala_kit.auth import STAFF, Principal
from voimala_kit.db import Connection
from voimala_kit.refusals import conflict, forbidden, not_found

from ..domain.recipients import Preferences, Recipient, check_digest
from ..repository import recipients
from .deps import Deps, purpose_of


@dataclass(frozen=True)
class SetPreferences:
    recipient_id: uuid.UUID
    chosen: Preferences


@dataclass(frozen=True)
class RegisterStaff:
    staff_id: uuid.UUID
    given_name: str
    email: str
    language: str


def _own_or_staff(who: Principal, recipient_id: uuid.UUID) -> None:
    if not (who.has(*STAFF) or who.subject == str(recipient_id)):
        raise forbidden("you may see and change only your own preferences")


async def get_preferences(
    deps: Deps, conn: Connection, recipient_id: uuid.UUID, who: Principal
) -> Recipient:
    """The person's preferences; staff reading another's are audited."""
    person = await _preferences(conn, recipient_id, who)
    if who.subject != str(recipient_id):
        await audit.record(conn, who, [recipient_id], "preferences.read", purpose_of(who))
    return person


async def _preferences(conn: Connection, recipient_id: uuid.UUID, who: Principal) -> Recipient:
    _own_or_staff(who, recipient_id)
    person = await recipients.one(conn, recipient_id)
    if person is None:
        raise not_found("recipient")
    return person


async def set_preferences(
    deps: Deps, conn: Connection, cmd: SetPreferences, who: Principal
) -> Recipient:
    """Change the preferences; every change is audited, the person's own too."""
    person = await _preferences(conn, cmd.recipient_id, who)
    check_digest(person.kind, cmd.chosen.digest)
    changed = await recipients.set_preferences(conn, cmd.recipient_id, cmd.chosen)
    if changed is None:
        raise not_found("recipient")
    await audit.record(conn, who, [cmd.recipient_id], "preferences.changed", purpose_of(who))
    return changed


async def register_staff(deps: Deps, conn: Connection, cmd: RegisterStaff, who: Principal) -> None:
    """A coordinator registers themselves for programme notices (unanswered proposals)."""
    if who.subject != str(cmd.staff_id):
        raise forbidden("coordinators register their own address")
    if not await recipients.register_staff(
        conn, cmd.staff_id, cmd.language, cmd.given_name, cmd.email
    ):
        raise conflict("this id is not a staff member's")
