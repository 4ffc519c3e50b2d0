"""A sign-in link asked on the portal: sent by e-mail to the person whose address it is, and
the portal told who that is (`signin.identified.v1`). An unknown address gets nothing, and
the portal is told nothing: it answers the same either way.

The e-mail is mandatory (the person asked for it just now): no opt-out, digest or quiet hours
hold it, and it goes by e-mail whatever channel the person prefers; the inbox does not keep
it (a used or expired link is no message worth keeping).
"""

from __future__ import annotations

from voimala_contracts import CloudEvent
from voimala_contracts.portal import SigninIdentified, SigninPerson, SigninRequested
from voimala_kit import Connection, PermanentError, get_logger

from .. import repository
from .deps import Deps

log = get_logger(__name__)

TEMPLATE = "sign_in"
#: The role a recipient of each kind signs in with on the portal.
ROLE = {"partner": "employer", "mentor": "mentor", "participant": "participant"}


async def send_sign_in_link(
    conn: Connection, data: SigninRequested, event: CloudEvent, deps: Deps
) -> None:
    now = deps.clock.now()
    if data.expires_at <= now:
        # A request read after its link expired (a replay, a long outage): no dead link sent.
        log.info("signin.request_expired", link_id=str(data.link_id))
        return
    person = await repository.signin_identity(conn, data.personal.email)
    if person is None:
        log.info("signin.address_unknown", link_id=str(data.link_id))
        return
    language = person["preferred_language"]
    minutes = max(1, int((data.expires_at - now).total_seconds() // 60))
    values = {
        "given_name": person["given_name"],
        # The page the link opens speaks the person's language (and remembers it).
        "link": f"{data.personal.link}?lang={language}",
        "minutes": minutes,
    }
    try:
        rendered = deps.templates.render(TEMPLATE, language, values)
    except Exception as exc:  # noqa: BLE001 - a broken template is a bug: a dead letter
        raise PermanentError(f"template {TEMPLATE} failed: {type(exc).__name__}") from None
    message_id = await repository.add_message(
        conn,
        recipient_id=person["id"],
        event_id=event.id,
        channel="email",
        template=TEMPLATE,
        language=rendered.language,
        subject=rendered.subject,
        body=rendered.text,
        html=rendered.html,
        status="queued",
        at=now,
        category="account",
        mandatory=True,
        caused_at=event.time,
    )
    if message_id is None:
        return  # this request was handled before (a replay past the inbox): once is enough
    name = " ".join(p for p in (person["given_name"], person["family_name"]) if p)
    await deps.outbox.add(
        conn,
        SigninIdentified(
            link_id=data.link_id,
            role=ROLE[person["kind"]],
            subject=person["id"],
            org=person["org"],
            personal=SigninPerson(name=name[:200]),
        ),
        subject=str(data.link_id),
    )
