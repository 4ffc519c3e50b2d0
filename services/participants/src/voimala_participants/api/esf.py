"""ESF+ facts of an episode (staff only), the ESF+ indicators report and the data-quality list."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints
from voimala_kit import Principal, require
from voimala_kit.refusals import invalid

from ..domain.esf import EsfResult, Improvement, LabourMarketStatus, esf_csv, esf_html
from ..handlers.esf import (
    EsfReport,
    RecordEsfEntry,
    RecordEsfResults,
    configuration_gaps,
    data_quality,
    esf_indicators,
    read_esf,
    record_entry,
    record_results,
)
from ..repository.esf import EsfEntryRow, EsfResultsRow
from .deps import PlatformDep, Purpose, Staff, StaffOrOps

router = APIRouter(prefix="/participants/{participant_id}/episodes/{episode}", tags=["ESF+"])
reports_router = APIRouter(prefix="/reports", tags=["reports"])
Coordinator = Annotated[Principal, Depends(require("coordinator"))]
Episode = Annotated[int, Path(ge=1, le=1000)]
MunicipalityCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{3}$")]


class EsfEntryIn(BaseModel):
    """The situation on entry. Gender, age and education are taken from the record: correct
    the record, then send this again. The sensitive characteristics need the participant's
    consent `sensitive_characteristics`; null = not asked or not told."""

    model_config = ConfigDict(extra="forbid")

    labour_market_status: LabourMarketStatus
    unemployed_since: date | None = Field(
        None, description="required when unemployed: the day continuous unemployment began"
    )
    municipality_code: MunicipalityCode | None = Field(
        None, description="Statistics Finland's 3-digit code (rural area by its degree)"
    )
    disability: bool | None = None
    third_country_national: bool | None = None
    foreign_background: bool | None = None
    minority: bool | None = Field(None, description="incl. marginalised communities (Roma)")
    homeless: bool | None = Field(None, description="or affected by housing exclusion")


class EsfEntryOut(BaseModel):
    episode: int
    labour_market_status: str
    unemployed_since: date | None
    gender: str | None
    age_from: int | None
    age_to: int | None
    education_level: int | None
    municipality_code: str | None
    rural: bool | None
    disability: bool | None
    third_country_national: bool | None
    foreign_background: bool | None
    minority: bool | None
    homeless: bool | None
    #: When the sensitive values were erased because their consent was withdrawn.
    sensitive_erased_at: datetime | None
    recorded_by: str
    recorded_at: datetime


class ResultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    result: EsfResult
    observed_on: date


class ImprovementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    improvement: Improvement
    observed_on: date


class EsfResultsIn(BaseModel):
    """The results as a set, each with the day it was observed; [] = none of them."""

    model_config = ConfigDict(extra="forbid")

    results: list[ResultIn] = Field(max_length=5)
    improvements: list[ImprovementIn] | None = Field(
        None,
        max_length=4,
        description="six_months only, for a person employed on entry: how their situation "
        "improved (EECR06), each with the day observed; [] = asked, none; null = not asked",
    )


class EsfResultsOut(BaseModel):
    episode: int
    stage: str
    results: dict[str, date]
    improvements: dict[str, date] | None
    recorded_by: str
    recorded_at: datetime


class EsfOut(BaseModel):
    #: Newest first: the first is in force.
    entry: list[EsfEntryOut]
    #: Newest first, both stages: the first of each stage is in force.
    results: list[EsfResultsOut]


def _entry(row: EsfEntryRow) -> EsfEntryOut:
    return EsfEntryOut.model_validate(row, from_attributes=True)


def _results(row: EsfResultsRow) -> EsfResultsOut:
    return EsfResultsOut.model_validate(row, from_attributes=True)


@router.get("/esf", response_model=EsfOut)
async def read_episode_esf(
    participant_id: uuid.UUID, episode: Episode, who: Staff, purpose: Purpose, platform: PlatformDep
) -> EsfOut:
    """The episode's ESF+ entry facts and results, with every correction (staff only;
    audited)."""
    async with platform.db.transaction() as conn:
        view = await read_esf(conn, participant_id, episode, who, purpose)
    return EsfOut(
        entry=[_entry(e) for e in view.entry], results=[_results(r) for r in view.results]
    )


@router.put("/esf-entry", response_model=EsfEntryOut)
async def put_esf_entry(
    participant_id: uuid.UUID,
    episode: Episode,
    body: EsfEntryIn,
    who: Staff,
    purpose: Purpose,
    platform: PlatformDep,
) -> EsfEntryOut:
    """Record the ESF+ entry facts, or correct them (a new version; the earlier ones stay for
    past reports)."""
    sensitive = body.model_dump(
        include={
            "disability",
            "third_country_national",
            "foreign_background",
            "minority",
            "homeless",
        }
    )
    cmd = RecordEsfEntry(
        participant_id,
        episode,
        body.labour_market_status,
        body.unemployed_since,
        body.municipality_code,
        sensitive,
    )
    async with platform.db.transaction() as conn:
        row = await record_entry(platform.deps, conn, cmd, who, purpose)
    return _entry(row)


@router.put("/esf-results/{stage}", response_model=EsfResultsOut)
async def put_esf_results(
    participant_id: uuid.UUID,
    episode: Episode,
    stage: Literal["leaving", "six_months"],
    body: EsfResultsIn,
    who: Staff,
    purpose: Purpose,
    platform: PlatformDep,
) -> EsfResultsOut:
    """Record the ESF+ results of an ended episode as a set, or correct them: `leaving`
    (observed from the exit to four weeks after; a qualification also while taking part),
    `six_months` (observed six months or more after the exit; with `improvements` of the
    situation of a person employed on entry, EECR06)."""
    results: dict[str, date] = {r.result: r.observed_on for r in body.results}
    if len(results) != len(body.results):
        raise invalid("results", "each result at most once")
    improvements: dict[str, date] | None = None
    if body.improvements is not None:
        improvements = {i.improvement: i.observed_on for i in body.improvements}
        if len(improvements) != len(body.improvements):
            raise invalid("improvements", "each improvement at most once")
    cmd = RecordEsfResults(participant_id, episode, stage, results, improvements)
    async with platform.db.transaction() as conn:
        row = await record_results(platform.deps, conn, cmd, who, purpose)
    return _results(row)


@reports_router.get("/esf", response_model=None)
async def esf_report(
    who: StaffOrOps,
    platform: PlatformDep,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
    cumulative: Annotated[
        bool, Query(description="from the project's start (PARTICIPANTS_ESF_PROJECT_START)")
    ] = False,
    as_of: Annotated[
        AwareDatetime | None,
        Query(description="count only facts recorded by then (default: now)"),
    ] = None,
    format: Literal["json", "csv", "html"] = "json",  # noqa: A002 - the API's word
) -> Response:
    """ESF+ common indicators (Annex I of Regulation (EU) 2021/1057): one row per indicator,
    women / men / non_binary / unknown / total, unique people per project, the share not
    known beside each; every row names its definition (docs/reporting.md). `format=html`: a
    printable page in Finnish."""
    cmd = EsfReport(from_, to, cumulative, as_of)
    async with (
        platform.db.connection() as conn,
        conn.transaction(isolation="repeatable_read", readonly=True),
    ):
        report = await esf_indicators(platform.deps, conn, cmd)
    if format == "csv":
        period = report["period"]
        name = f"esf-{period['from']}-{period['to']}.csv"
        return Response(
            esf_csv(report).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    if format == "html":
        return Response(esf_html(report), media_type="text/html; charset=utf-8")
    return JSONResponse(report)


@reports_router.get("/data-quality")
async def data_quality_list(
    who: Coordinator, purpose: Purpose, platform: PlatformDep
) -> dict[str, list[dict[str, object]]]:
    """What is missing (coordinators): open episodes without birth date, gender, education,
    labour-market status or municipality code; exits four weeks old without ESF+ results;
    six-month follow-ups due and missing. Audited as a read of everyone it names.
    `configuration`: what the deployment has not supplied (the rural municipalities' list)."""
    async with platform.db.transaction() as conn:
        items = await data_quality(platform.deps, conn, who, purpose)
    return {"items": items, "configuration": configuration_gaps(platform.deps)}
