"""A sign-in link asked on the portal: sent by e-mail to the person whose address it is, and
the portal told who that is (`signin.identified.v1`). An unknown address gets nothing, and
the portal is told nothing: it answers the same either way. (What the e-mail is and what the
portal is told: `domain.signin`.)
"""

from __future__ import annotations

from datetime import datetime

from voimala_contracts import CloudEvent
from voimala_contracts.portal import SigninRequested
from voimala_kit.db import Connection
from voimala_kit.errors import PermanentError
from voimala_kit.logging import get_logger

from ..domain.messages import NewMessage
from ..domain.signin import (
    TEMPLATE,
    SigninIdentity,
    identified,
    sign_in_email,
    sign_in_values,
)
from ..repository import messages, signin
from .deps import Deps

log = get_logger(__name__)


async def send_sign_in_link(
    deps: Deps, conn: Connection, data: SigninRequested, event: CloudEvent
) -> None:
    now = deps.clock.now()
    if data.expires_at <= now:
        # A request read after its link expired (a replay, a long outage): no dead link sent.
        log.info("signin.request_expired", link_id=str(data.link_id))
        return
    person = await signin.identity(conn, data.personal.email)
    if person is None:
        log.info("signin.address_unknown", link_id=str(data.link_id))
        return
    email = _email(deps, person, data, event, now)
    if await messages.add(conn, email) is None:
        return  # this request was handled before (a replay past the inbox): once is enough
    await deps.outbox.add(conn, identified(person, data.link_id), subject=str(data.link_id))


def _email(
    deps: Deps, person: SigninIdentity, data: SigninRequested, event: CloudEvent, now: datetime
) -> NewMessage:
    values = sign_in_values(person, data.personal.link, data.expires_at, now)
    try:
        rendered = deps.templates.render(TEMPLATE, person.preferred_language, values)
    except Exception as exc:  # noqa: BLE001 - a broken template is a bug: a dead letter
        raise PermanentError(f"template {TEMPLATE} failed: {type(exc).__name__}") from None
    return sign_in_email(person, rendered, event.id, event.time, now)
