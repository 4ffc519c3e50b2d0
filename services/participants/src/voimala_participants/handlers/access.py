"""The right of access (GDPR 15): a coordinator asks, every service answers through Kafka.

This service gathers its own part at once (the record, consents, episodes, the path, visits,
ideas and who read the person's data), publishes `privacy.access_requested.v1`, and keeps each
other service's `privacy.<service>_exported.v1` as it comes. Every export is personal data and
is purged after `export_retention_days`.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from voimala_contracts import CloudEvent
from voimala_contracts.privacy import (
    ANSWERING,
    AccessRequested,
    EventsExported,
    MatchingExported,
    NotificationsExported,
)
from voimala_kit.auth import Principal
from voimala_kit.db import Connection
from voimala_kit.refusals import not_found

from ..domain import age_group, is_youth
from ..domain.privacy import OWN, RequestStatus, ServiceAnswer, answers_of, request_status
from ..repository import (
    access,
    audit,
    consents,
    episodes,
    esf,
    eura,
    ideas,
    participants,
    timeline,
    visits,
    worklist,
)
from ..repository.access import AccessRequestRow, Answer
from ..repository.participants import ParticipantRow
from .deps import Deps
from .erasure import refuse_if_erased

#: Which service sent which answer.
_EXPORTED_BY = {types[0].TYPE: service for service, types in ANSWERING.items()}
#: The audit trail in an export: at most this many of the newest reads.
_AUDIT_ROWS = 10_000
AnyExported = EventsExported | MatchingExported | NotificationsExported


def _record(row: ParticipantRow, today: date) -> dict[str, Any]:
    """The record as the API names it (and what the service stamped on it)."""
    values = dataclasses.asdict(row)
    del values["search_text"]
    values["languages"] = json.loads(row.languages)
    values["skill_uris"] = json.loads(row.skill_uris)
    values["youth"] = is_youth(row.birth_year, today, row.birth_date)
    values["age_group"] = age_group(row.birth_year, today, row.birth_date)
    return values


def _all(rows: list[Any], drop: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    return [{k: v for k, v in dataclasses.asdict(r).items() if k not in drop} for r in rows]


async def own_export(deps: Deps, conn: Connection, row: ParticipantRow) -> dict[str, Any]:
    """Everything this service holds about the person, by data set."""
    pid = row.id
    trail = await audit.trail(conn, pid, None, _AUDIT_ROWS)
    return {
        "participant": [_record(row, deps.clock.today())],
        "consents": _all(await consents.history(conn, pid), drop=("participant_id",)),
        "episodes": _all(await episodes.of(conn, pid), drop=("participant_id",)),
        **await esf.of_participant(conn, pid),
        "eura_forms": await eura.of_participant(conn, pid),
        "timeline": _all(await timeline.all_of(conn, pid), drop=("id",)),
        "visits": _all(await visits.of(conn, pid), drop=("participant_id",)),
        "ideas": _all(await ideas.by_author(conn, pid), drop=("author_participant_id",)),
        "audit_log": _all(trail, drop=("id",)),
        "worklist": _all(await worklist.of(conn, pid), drop=("participant_id",)),
    }


async def request_access(
    deps: Deps, conn: Connection, participant_id: uuid.UUID, who: Principal
) -> AccessRequestRow:
    """Record the request with this service's part, and ask the others (one transaction)."""
    found = await participants.get(conn, participant_id, lock=True)
    if found is None:
        await refuse_if_erased(conn, participant_id)
        raise not_found("participant")
    request = AccessRequestRow(
        id=uuid.uuid4(),
        participant_id=participant_id,
        language=found.preferred_language,
        requested_by=who.subject,
        requested_at=deps.clock.now(),
        export=await own_export(deps, conn, found),
    )
    await access.add(conn, request)
    asked = AccessRequested(
        request_id=request.id, participant_id=participant_id, requested_at=request.requested_at
    )
    await deps.outbox.add(conn, asked, subject=str(participant_id))
    return request


async def record_export(deps: Deps, conn: Connection, data: AnyExported, event: CloudEvent) -> None:
    """Another service's answer, kept once (an answer to no request of ours: ignored)."""
    answer = Answer(
        request_id=data.request_id,
        participant_id=data.participant_id,
        service=_EXPORTED_BY[event.type],
        answered_at=data.exported_at,
        export=dict(data.personal.data),
    )
    await access.add_answer(conn, answer)


@dataclass(frozen=True)
class AccessView:
    request: AccessRequestRow
    status: RequestStatus
    services: list[ServiceAnswer]
    #: By service, once every service answered or the silent ones are past their time.
    export: dict[str, Any] | None
    kept_until: datetime


async def access_view(deps: Deps, conn: Connection, request_id: uuid.UUID) -> AccessView:
    request = await access.get(conn, request_id)
    if request is None:
        raise not_found("access request")
    answered = {a.service: a for a in await access.answers(conn, request_id)}
    settings = deps.settings
    services = answers_of(
        request.requested_at,
        {name: a.answered_at for name, a in answered.items()},
        deps.clock.now(),
        timedelta(seconds=settings.access_answer_timeout),
    )
    status = request_status(services, purged=request.purged_at is not None)
    export = None
    if status in ("complete", "incomplete"):
        export = {OWN: request.export} | {
            s.service: answered[s.service].export if s.service in answered else None
            for s in services
        }
    kept_until = request.requested_at + timedelta(days=settings.export_retention_days)
    return AccessView(request, status, services, export, kept_until)


async def purge_exports(deps: Deps, conn: Connection) -> int:
    """Exports older than their time are dropped (the requests stay, marked purged)."""
    now = deps.clock.now()
    before = now - timedelta(days=deps.settings.export_retention_days)
    return await access.purge(conn, before, now)
