"""ESF+ entry facts and results of an episode, the ESF+ indicators report and the data-quality
list (docs/reporting.md). Every recording and correction is audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from voimala_kit.auth import Principal
from voimala_kit.db import Connection
from voimala_kit.refusals import Invalid, conflict, invalid, not_found

from ..domain.esf import (
    SENSITIVE,
    SENSITIVE_PURPOSE,
    EntryFacts,
    EsfPeriod,
    age_range,
    check_improvements,
    check_results,
    configuration_items,
    esf_report,
    quality_items,
)
from ..repository import audit, episodes, esf, participants
from ..repository.episodes import EpisodeRow
from ..repository.esf import EsfEntryRow, EsfResultsRow, NewEntry, NewResults
from .deps import Deps

HELSINKI = ZoneInfo("Europe/Helsinki")


@dataclass(frozen=True)
class RecordEsfEntry:
    participant_id: uuid.UUID
    episode: int
    labour_market_status: str
    unemployed_since: date | None
    municipality_code: str | None
    #: The sensitive characteristics by name (SENSITIVE): None = not asked or not told.
    sensitive: dict[str, bool | None]


@dataclass(frozen=True)
class RecordEsfResults:
    participant_id: uuid.UUID
    episode: int
    stage: str
    results: dict[str, date]
    #: six_months only: improvement -> the day observed; None: not asked.
    improvements: dict[str, date] | None = None


async def _episode(conn: Connection, participant_id: uuid.UUID, number: int) -> EpisodeRow:
    if await participants.get(conn, participant_id, lock=True) is None:
        raise not_found("participant")
    for e in await episodes.of(conn, participant_id):
        if e.number == number:
            return e
    raise not_found("episode")


def _check_status(cmd: RecordEsfEntry, started_on: date) -> None:
    unemployed = cmd.labour_market_status == "unemployed"
    if unemployed and cmd.unemployed_since is None:
        raise invalid("unemployed_since", "required when unemployed: the day unemployment began")
    if not unemployed and cmd.unemployed_since is not None:
        raise invalid("unemployed_since", "only for labour_market_status unemployed")
    if cmd.unemployed_since is not None and cmd.unemployed_since > started_on:
        raise invalid("unemployed_since", f"must be on or before the entry, {started_on}")


async def _check_sensitive(conn: Connection, cmd: RecordEsfEntry) -> None:
    given = [k for k in SENSITIVE if cmd.sensitive.get(k) is not None]
    if given and not await esf.sensitive_consent(conn, cmd.participant_id):
        raise invalid(
            given[0],
            f"needs the participant's consent '{SENSITIVE_PURPOSE}' "
            "(POST /participants/{id}/consents); send null without it",
        )


async def record_entry(
    deps: Deps, conn: Connection, cmd: RecordEsfEntry, who: Principal, purpose: str
) -> EsfEntryRow:
    """Record (or correct: a new row) the entry facts; gender, age on the entry day and
    education come from the record as it stands now."""
    episode = await _episode(conn, cmd.participant_id, cmd.episode)
    _check_status(cmd, episode.started_on)
    await _check_sensitive(conn, cmd)
    row = await participants.get(conn, cmd.participant_id)
    assert row is not None
    ages = age_range(row.birth_year, row.birth_date, episode.started_on)
    code = cmd.municipality_code
    rural_codes = deps.settings.esf_rural_municipalities
    s = cmd.sensitive
    facts = EntryFacts(
        labour_market_status=cmd.labour_market_status,
        unemployed_since=cmd.unemployed_since,
        gender=row.gender,
        age_from=ages[0] if ages else None,
        age_to=ages[1] if ages else None,
        education_level=row.education_level,
        municipality_code=code,
        rural=(code in rural_codes) if code is not None and rural_codes else None,
        disability=s.get("disability"),
        third_country_national=s.get("third_country_national"),
        foreign_background=s.get("foreign_background"),
        minority=s.get("minority"),
        homeless=s.get("homeless"),
    )
    saved = await esf.add_entry(conn, NewEntry(cmd.participant_id, cmd.episode, facts, who.subject))
    await audit.record(conn, who, [cmd.participant_id], "esf_entry_recorded", purpose)
    return saved


async def record_results(
    deps: Deps, conn: Connection, cmd: RecordEsfResults, who: Principal, purpose: str
) -> EsfResultsRow:
    """Record (or correct: a new row) the results of an ended episode, as a set."""
    episode = await _episode(conn, cmd.participant_id, cmd.episode)
    if episode.exit_date is None:
        raise conflict("the episode has not ended: record its exit first", title="Not exited")
    today = deps.clock.today()
    check_results(cmd.stage, cmd.results, episode.started_on, episode.exit_date, today)
    if cmd.improvements is not None and cmd.stage != "six_months":
        raise invalid("improvements", "only at the six-month follow-up (stage six_months)")
    check_improvements(cmd.improvements, cmd.results, episode.started_on, episode.exit_date, today)
    new = NewResults(
        cmd.participant_id, cmd.episode, cmd.stage, cmd.results, cmd.improvements, who.subject
    )
    saved = await esf.add_results(conn, new)
    await audit.record(conn, who, [cmd.participant_id], "esf_results_recorded", purpose)
    return saved


async def sensitive_consent_withdrawn(
    conn: Connection, participant_id: uuid.UUID, who: Principal, purpose: str
) -> int:
    """The consent `sensitive_characteristics` was withdrawn: erase the sensitive values of
    every version of the entry facts, in the withdrawal's transaction (docs/reporting.md,
    "Withdrawn consent"). Audited when anything was erased."""
    erased = await esf.erase_sensitive(conn, participant_id)
    if erased:
        await audit.record(conn, who, [participant_id], "esf_sensitive_erased", purpose)
    return erased


@dataclass(frozen=True)
class EsfView:
    #: Newest first: the first is in force.
    entry: list[EsfEntryRow]
    results: list[EsfResultsRow]


async def read_esf(
    conn: Connection, participant_id: uuid.UUID, number: int, who: Principal, purpose: str
) -> EsfView:
    await _episode(conn, participant_id, number)
    view = EsfView(
        await esf.entry_history(conn, participant_id, number),
        await esf.results_history(conn, participant_id, number),
    )
    await audit.record(conn, who, [participant_id], "read_esf", purpose)
    return view


@dataclass(frozen=True)
class EsfReport:
    #: None with cumulative: the project's start.
    start: date | None
    #: None: the day of as_of.
    end: date | None
    cumulative: bool
    as_of: datetime | None


def _query(name: str, msg: str) -> Invalid:
    errors = [{"loc": ["query", name], "type": "value_error", "msg": msg}]
    return Invalid("the request does not match the API", errors=errors)


async def esf_indicators(deps: Deps, conn: Connection, cmd: EsfReport) -> dict[str, Any]:
    """Read in one snapshot (the caller's transaction)."""
    as_of = cmd.as_of or deps.clock.now()
    day = as_of.astimezone(HELSINKI).date()
    project_start = deps.settings.esf_project_start
    start = project_start if cmd.cumulative else cmd.start
    end = cmd.end or day
    if start is None:
        raise _query("from", "give from (and to), or cumulative=true")
    if end < start:
        raise _query("to", "must be on or after from")
    facts = await esf.facts(conn, as_of)
    rural = bool(deps.settings.esf_rural_municipalities)
    period = EsfPeriod(
        start, end, cmd.cumulative, project_start, day, as_of.isoformat(), rural_configured=rural
    )
    return esf_report(facts, period)


async def data_quality(
    deps: Deps, conn: Connection, who: Principal, purpose: str
) -> list[dict[str, Any]]:
    """The list of what is missing; audited as a read of every participant it names."""
    items = quality_items(await esf.quality(conn), deps.clock.today())
    named = [uuid.UUID(i["participant_id"]) for i in items]
    await audit.record(conn, who, named, "read_data_quality", purpose)
    return items


def configuration_gaps(deps: Deps) -> list[dict[str, Any]]:
    """What the reports need from the deployment and do not have (no one named)."""
    return configuration_items(rural_configured=bool(deps.settings.esf_rural_municipalities))
