"""EURA 2021 reconciliation: what the funder's system asks of a participant, what this service
holds of it, whether the start and exit forms are done, and what is still missing.

Pure: the facts come in as `EuraFacts` (read by repository/eura.py), the list goes out as plain
dicts (JSON) or CSV text that Finnish Excel opens (UTF-8 with a BOM, `;` between columns).
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from .age import age_on

Form = Literal["start", "exit"]
FORMS: tuple[Form, ...] = ("start", "exit")
#: The ESF+ age bands of Annex I (below 18, 18-29, 30-54, 55 and over).
EsfAgeBand = Literal["below_18", "18_29", "30_54", "55_plus", "unknown"]
#: The service's genders as ESF+ counts them.
ESF_GENDER = {"female": "women", "male": "men", "other": "non_binary"}
BOM = "\ufeff"
CSV_SEPARATOR = ";"


@dataclass(frozen=True, slots=True)
class FormDone:
    """A form marked done: on which day, by whom (the token's subject)."""

    done_on: date
    recorded_by: str


@dataclass(frozen=True, slots=True)
class EuraFacts:
    """One episode of a participant, with what their record holds now (the form is filled in
    from the best data at hand, not from the entry's snapshot)."""

    participant_id: uuid.UUID
    episode: int
    given_name: str
    family_name: str
    birth_date: date | None
    birth_year: int | None
    gender: str | None
    education_level: int | None
    municipality: str | None
    started_on: date
    exit_date: date | None
    outcome: str | None
    start_form: FormDone | None
    exit_form: FormDone | None
    #: The newest ESF+ entry facts of the episode (None: not recorded).
    labour_market_status: str | None = None
    unemployed_since: date | None = None
    municipality_code: str | None = None
    rural: bool | None = None
    #: The ESF+ results upon leaving, as recorded (None: not recorded; empty: none of them).
    exit_results: tuple[str, ...] | None = None


def _band(age: int) -> EsfAgeBand:
    if age < 18:
        return "below_18"
    if age < 30:
        return "18_29"
    return "30_54" if age < 55 else "55_plus"


def esf_age_band(birth_year: int | None, on: date, birth_date: date | None) -> EsfAgeBand:
    """The band on the day of entry. With only a birth year the person is one of two ages
    (before or after their birthday): a band only when both ages fall in it."""
    if birth_date is not None:
        return _band(age_on(None, on, birth_date) or 0)
    if birth_year is None:
        return "unknown"
    reached = on.year - birth_year
    both = {_band(reached - 1), _band(reached)}
    return both.pop() if len(both) == 1 else "unknown"


def missing(f: EuraFacts, recorded: frozenset[str]) -> list[str]:
    """What the EURA forms ask and this participant's data lacks, and the forms not done.
    `recorded`: the optional facts this service records at all (others are never missing
    per person: the report names them once, as not recorded)."""
    lacking = []
    if f.birth_date is None:
        lacking.append("birth_date")
    if f.gender in (None, "unknown"):
        lacking.append("gender")
    if f.education_level is None:
        lacking.append("education_level")
    if f.municipality is None:
        lacking.append("municipality")
    if "labour_market_status" in recorded and f.labour_market_status is None:
        lacking.append("labour_market_status")
    if f.start_form is None:
        lacking.append("start_form")
    if f.exit_date is not None:
        if "exit_results" in recorded and f.exit_results is None:
            lacking.append("exit_results")
        if f.exit_form is None:
            lacking.append("exit_form")
    return lacking


def _form(done: FormDone | None, due: bool) -> dict[str, Any] | None:
    if not due:
        return None
    return {
        "done": done is not None,
        "done_on": done.done_on.isoformat() if done else None,
        "recorded_by": done.recorded_by if done else None,
    }


def item(f: EuraFacts, start: date, end: date, recorded: frozenset[str]) -> dict[str, Any]:
    """One row of the reconciliation list."""
    age = age_on(f.birth_year, f.started_on, f.birth_date)
    return {
        "participant_id": str(f.participant_id),
        "episode": f.episode,
        "family_name": f.family_name,
        "given_name": f.given_name,
        "started_on": f.started_on.isoformat(),
        "started_in_period": start <= f.started_on <= end,
        "exit_date": f.exit_date.isoformat() if f.exit_date else None,
        "left_in_period": f.exit_date is not None and start <= f.exit_date <= end,
        "birth_date": f.birth_date.isoformat() if f.birth_date else None,
        "birth_year": f.birth_date.year if f.birth_date else f.birth_year,
        "age_at_entry": age if f.birth_date is not None else None,
        "age_band": esf_age_band(f.birth_year, f.started_on, f.birth_date),
        "gender": ESF_GENDER.get(f.gender or "", "unknown"),
        "education_level": f.education_level,
        "municipality": f.municipality,
        "municipality_code": f.municipality_code,
        "rural": f.rural,
        "labour_market_status": f.labour_market_status,
        "unemployed_since": f.unemployed_since.isoformat() if f.unemployed_since else None,
        "exit_outcome": f.outcome,
        "exit_results": None if f.exit_results is None else list(f.exit_results),
        "start_form": _form(f.start_form, True),
        "exit_form": _form(f.exit_form, f.exit_date is not None),
        "missing": missing(f, recorded),
    }


#: What EURA 2021 asks of a participant and this list leaves out: the sensitive
#: characteristics (recorded with their own consent, read in the ESF+ entry facts). Named once
#: in the report, so that no one takes their absence for a participant's gap.
NOT_IN_THIS_LIST = (
    "disability",
    "third_country_national",
    "foreign_background",
    "minority",
    "homeless",
)


def reconciliation(
    facts: list[EuraFacts], start: date, end: date, recorded: frozenset[str]
) -> dict[str, Any]:
    """The list the coordinator works through: who started or left in the period, with the
    fields asked, the forms and what is missing; counts on top."""
    items = [item(f, start, end, recorded) for f in facts]
    not_recorded = [n for n in ("labour_market_status", "exit_results") if n not in recorded]
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "counts": {
            "episodes": len(items),
            "started": sum(1 for i in items if i["started_in_period"]),
            "left": sum(1 for i in items if i["left_in_period"]),
            "start_forms_not_done": sum(1 for i in items if "start_form" in i["missing"]),
            "exit_forms_not_done": sum(1 for i in items if "exit_form" in i["missing"]),
            "with_something_missing": sum(1 for i in items if i["missing"]),
        },
        "not_in_this_list": [*not_recorded, *NOT_IN_THIS_LIST],
        "items": items,
    }


# The CSV, for Finnish Excel: Finnish headers, dates as d.m.yyyy, yes/no in words.
_MISSING_FI = {
    "birth_date": "syntymäaika",
    "gender": "sukupuoli",
    "education_level": "koulutustaso",
    "municipality": "kotikunta",
    "labour_market_status": "työmarkkina-asema",
    "start_form": "aloituslomake",
    "exit_results": "tulokset lähtiessä",
    "exit_form": "lopetuslomake",
}
_GENDER_FI = {"women": "nainen", "men": "mies", "non_binary": "muu", "unknown": "ei tiedossa"}
_BAND_FI = {
    "below_18": "alle 18",
    "18_29": "18-29",
    "30_54": "30-54",
    "55_plus": "55 tai yli",
    "unknown": "ei tiedossa",
}
CSV_HEADER = (
    "Sukunimi",
    "Etunimi",
    "Osallistujan tunniste",
    "Jakso",
    "Aloitti",
    "Lopetti",
    "Syntymäaika",
    "Syntymävuosi",
    "Ikäryhmä aloittaessa",
    "Sukupuoli",
    "Koulutustaso (ISCED)",
    "Kotikunta",
    "Kuntanumero",
    "Työmarkkina-asema aloittaessa",
    "Työtön alkaen",
    "Päättymisen syy (ohjelma)",
    "Tulokset lähtiessä (ESF+)",
    "Aloituslomake tehty",
    "Lopetuslomake tehty",
    "Puuttuu",
)


def _fi_date(value: str | None) -> str:
    if value is None:
        return ""
    d = date.fromisoformat(value)
    return f"{d.day}.{d.month}.{d.year}"


def _safe(text: str | None) -> str:
    """A cell a spreadsheet never runs as a formula (a name could begin with = + - @)."""
    text = text or ""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _done(form: dict[str, Any] | None) -> str:
    if form is None:  # not due: the episode has not ended
        return ""
    return _fi_date(form["done_on"]) if form["done"] else "ei"


def _csv_row(i: dict[str, Any]) -> list[str]:
    return [
        _safe(i["family_name"]),
        _safe(i["given_name"]),
        i["participant_id"],
        str(i["episode"]),
        _fi_date(i["started_on"]),
        _fi_date(i["exit_date"]),
        _fi_date(i["birth_date"]),
        "" if i["birth_year"] is None else str(i["birth_year"]),
        _BAND_FI[i["age_band"]],
        _GENDER_FI[i["gender"]],
        "" if i["education_level"] is None else str(i["education_level"]),
        _safe(i["municipality"]),
        i["municipality_code"] or "",
        i["labour_market_status"] or "",
        _fi_date(i["unemployed_since"]),
        i["exit_outcome"] or "",
        "" if i["exit_results"] is None else ", ".join(i["exit_results"]) or "ei mitään",
        _done(i["start_form"]),
        _done(i["exit_form"]),
        ", ".join(_MISSING_FI.get(m, m) for m in i["missing"]),
    ]


def to_csv(report: dict[str, Any]) -> str:
    """UTF-8 with a BOM, `;` between columns, one row per episode."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=CSV_SEPARATOR, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(_csv_row(i) for i in report["items"])
    return out.getvalue()
