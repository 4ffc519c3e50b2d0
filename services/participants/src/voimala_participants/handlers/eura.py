"""EURA 2021 reconciliation: staff mark a participant's start and exit forms done (per
episode, audited), and the coordinator's list of who started or left in a period."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from voimala_kit.audit import record
from voimala_kit.auth import Principal
from voimala_kit.db import Connection
from voimala_kit.refusals import conflict, invalid, not_found

from ..domain.eura import Form, FormDone, reconciliation
from ..repository import episodes, eura, participants
from ..repository.episodes import EpisodeRow
from .deps import Deps

#: The ESF+ facts this service records per episode (migration 0005) that the list reads.
RECORDED: frozenset[str] = frozenset({"labour_market_status", "exit_results"})


@dataclass(frozen=True)
class MarkForm:
    participant_id: uuid.UUID
    episode: int
    form: Form
    #: Today (Helsinki) when None.
    done_on: date | None
    purpose: str


@dataclass(frozen=True)
class UnmarkForm:
    participant_id: uuid.UUID
    episode: int
    form: Form
    purpose: str


async def _episode(
    conn: Connection, participant_id: uuid.UUID, number: int, *, lock: bool = True
) -> EpisodeRow:
    if await participants.get(conn, participant_id, lock=lock) is None:
        raise not_found("participant")
    found = [e for e in await episodes.of(conn, participant_id) if e.number == number]
    if not found:
        raise not_found("episode")
    return found[0]


async def mark_form(
    deps: Deps, conn: Connection, cmd: MarkForm, who: Principal
) -> tuple[EpisodeRow, dict[str, FormDone]]:
    """The form is done (again: the newer day and person replace the older). An exit form
    needs an exit; the day is within the episode and not in the future."""
    ep = await _episode(conn, cmd.participant_id, cmd.episode)
    today = deps.clock.today()
    on = cmd.done_on or today
    if cmd.form == "exit" and ep.exit_date is None:
        raise conflict("the episode has not ended: no exit form is due", title="No exit yet")
    if on > today:
        raise invalid("done_on", "is in the future")
    if on < ep.started_on:
        raise invalid("done_on", "is before the episode started")
    await eura.mark(conn, ep.participant_id, ep.number, cmd.form, FormDone(on, who.subject))
    await record(conn, who, [ep.participant_id], f"eura_{cmd.form}_form.done", cmd.purpose)
    return ep, await eura.of_episode(conn, ep.participant_id, ep.number)


async def unmark_form(deps: Deps, conn: Connection, cmd: UnmarkForm, who: Principal) -> None:
    """A form marked done by mistake: not done after all (404 if it was not marked)."""
    ep = await _episode(conn, cmd.participant_id, cmd.episode)
    if not await eura.unmark(conn, ep.participant_id, ep.number, cmd.form):
        raise not_found("form marked done")
    await record(conn, who, [ep.participant_id], f"eura_{cmd.form}_form.undone", cmd.purpose)


async def episode_forms(
    deps: Deps, conn: Connection, participant_id: uuid.UUID, number: int, who: Principal
) -> tuple[EpisodeRow, dict[str, FormDone]]:
    ep = await _episode(conn, participant_id, number, lock=False)
    return ep, await eura.of_episode(conn, participant_id, number)


@dataclass(frozen=True)
class EuraList:
    start: date
    end: date
    purpose: str


async def eura_list(deps: Deps, conn: Connection, cmd: EuraList, who: Principal) -> dict[str, Any]:
    """Every episode started or ended in the period, with the fields EURA asks; reading it is
    audited for every participant listed (the list names them)."""
    found = await eura.facts(conn, cmd.start, cmd.end)
    listed = list(dict.fromkeys(f.participant_id for f in found))
    await record(conn, who, listed, "eura_list", cmd.purpose)
    return reconciliation(found, cmd.start, cmd.end, RECORDED)
