"""EURA 2021 reconciliation: a participant's start and exit forms marked done per episode
(coordinators and counsellors), and the coordinator's list for a period as JSON or CSV."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from voimala_kit import Principal, Problem, require

from ..domain.eura import Form, FormDone, to_csv
from ..handlers.eura import (
    EuraList,
    MarkForm,
    UnmarkForm,
    episode_forms,
    eura_list,
    mark_form,
    unmark_form,
)
from ..repository.episodes import EpisodeRow
from .deps import PlatformDep, Purpose, Staff

router = APIRouter()
Coordinator = Annotated[Principal, Depends(require("coordinator"))]
Episode = Annotated[int, Path(ge=1, le=1000)]
#: The longest list: the programme period (2021-2027) and a little more.
MAX_DAYS = 3660


class FormDoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    done_on: date | None = Field(None, description="defaults to today (Europe/Helsinki)")


class FormOut(BaseModel):
    done: bool
    done_on: date | None
    recorded_by: str | None


class EuraFormsOut(BaseModel):
    episode: int
    started_on: date
    exit_date: date | None
    start_form: FormOut
    #: null while the episode has not ended (no exit form is due).
    exit_form: FormOut | None


def _out(ep: EpisodeRow, forms: dict[str, FormDone]) -> EuraFormsOut:
    def one(form: Form) -> FormOut:
        done = forms.get(form)
        return FormOut(
            done=done is not None,
            done_on=done.done_on if done else None,
            recorded_by=done.recorded_by if done else None,
        )

    return EuraFormsOut(
        episode=ep.number,
        started_on=ep.started_on,
        exit_date=ep.exit_date,
        start_form=one("start"),
        exit_form=one("exit") if ep.exit_date is not None else None,
    )


_EPISODE_PATH = "/participants/{participant_id}/episodes/{episode}/eura"


@router.get(_EPISODE_PATH, response_model=EuraFormsOut, tags=["EURA 2021"])
async def read_forms(
    participant_id: uuid.UUID, episode: Episode, who: Staff, platform: PlatformDep
) -> EuraFormsOut:
    """Whether the episode's EURA 2021 start and exit forms are done, when and by whom."""
    async with platform.db.connection() as conn:
        ep, forms = await episode_forms(platform.deps, conn, participant_id, episode, who)
    return _out(ep, forms)


@router.put(_EPISODE_PATH + "/{form}", response_model=EuraFormsOut, tags=["EURA 2021"])
async def form_done(
    participant_id: uuid.UUID,
    episode: Episode,
    form: Form,
    body: FormDoneIn,
    who: Staff,
    purpose: Purpose,
    platform: PlatformDep,
) -> EuraFormsOut:
    """Mark the EURA 2021 start (or exit) form done on a day (audited). Again: the newer day
    and person replace the older. An exit form before the exit: 409."""
    cmd = MarkForm(participant_id, episode, form, body.done_on, purpose)
    async with platform.db.transaction() as conn:
        ep, forms = await mark_form(platform.deps, conn, cmd, who)
    return _out(ep, forms)


@router.delete(_EPISODE_PATH + "/{form}", status_code=204, tags=["EURA 2021"])
async def form_not_done(
    participant_id: uuid.UUID,
    episode: Episode,
    form: Form,
    who: Staff,
    purpose: Purpose,
    platform: PlatformDep,
) -> None:
    """A form marked done by mistake is not done after all (audited; 404 if it was not
    marked)."""
    cmd = UnmarkForm(participant_id, episode, form, purpose)
    async with platform.db.transaction() as conn:
        await unmark_form(platform.deps, conn, cmd, who)


def _period(start: date, end: date) -> None:
    if end < start or (end - start).days > MAX_DAYS:
        errors = [{"loc": ["query", "to"], "type": "value_error", "msg": "after from, ≤ 10 years"}]
        raise Problem(422, "Invalid request", "the period is not 1-3661 days", errors=errors)


@router.get("/reports/eura", response_model=None, tags=["reports"])
async def eura_report(
    who: Coordinator,
    purpose: Purpose,
    platform: PlatformDep,
    start: Annotated[date, Query(alias="from", description="first day (Helsinki), included")],
    end: Annotated[date, Query(alias="to", description="last day (Helsinki), included")],
    format: Literal["json", "csv"] = "json",  # noqa: A002 - the API's word
) -> Response:
    """EURA 2021 reconciliation: every participant's episode that started or ended in the
    period, with the fields the EURA forms ask, whether the start and exit forms are done, and
    what is missing. Names people: coordinators only, audited for everyone listed. CSV: UTF-8
    with a BOM, `;` between columns (Finnish Excel)."""
    _period(start, end)
    async with platform.db.transaction() as conn:
        report = await eura_list(platform.deps, conn, EuraList(start, end, purpose), who)
    if format == "csv":
        name = f"eura-{start.isoformat()}-{end.isoformat()}.csv"
        return Response(
            to_csv(report).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return JSONResponse(report)
