"""The opening form of `/employer`: what was sent, checked, as matching's API wants it.

One function reads the form (`read`), one turns an opening from the API back into form
values (`values_of`); the codes of types, hours and levels are matching's own, and their
names in the page's language are `_()` literals here, never `_(variable)`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from .web.forms import clean
from .web.i18n import Translator

TYPES = (
    "job",
    "work_trial",
    "pay_subsidised_job",
    "apprenticeship",
    "summer_job_youth",
    "volunteering",
)
HOURS = ("full_time", "part_time", "mornings", "afternoons", "evenings", "shifts")
LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2", "native")
LANGUAGE_CODES = ("fi", "sv", "en", "ru", "uk", "ar", "et")
#: Language rows on the form: openings rarely ask for more than two.
LANGUAGE_ROWS = 3
MAX_SKILLS = 50
TEXT_FIELDS = ("type", "title", "description", "required_skills", "nice_skills", "hours")
MORE_FIELDS = ("municipality", "remote", "start_date", "deadline", "places")


def type_names(t: Translator) -> dict[str, str]:
    return {
        "job": t.gettext("Job"),
        "work_trial": t.gettext("Work trial"),
        "pay_subsidised_job": t.gettext("Pay-subsidised job"),
        "apprenticeship": t.gettext("Apprenticeship"),
        "summer_job_youth": t.gettext("Summer job for young people"),
        "volunteering": t.gettext("Volunteering"),
    }


def type_hints(t: Translator) -> dict[str, str]:
    return {
        "job": t.gettext("Ordinary paid work."),
        "work_trial": t.gettext("Unpaid trial at your workplace; the person keeps their benefit."),
        "pay_subsidised_job": t.gettext("Paid work for which you receive part of the wage."),
        "apprenticeship": t.gettext("Work and study under an apprenticeship contract."),
        "summer_job_youth": t.gettext("A summer job for people under 30."),
        "volunteering": t.gettext("Unpaid work in an association."),
    }


def hours_names(t: Translator) -> dict[str, str]:
    return {
        "full_time": t.gettext("Full-time"),
        "part_time": t.gettext("Part-time"),
        "mornings": t.gettext("Mornings"),
        "afternoons": t.gettext("Afternoons"),
        "evenings": t.gettext("Evenings"),
        "shifts": t.gettext("Shift work"),
    }


@dataclass
class Read:
    """The form as sent (`values`, to show again), the API body, and errors per field."""

    values: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _skills(text: str) -> list[str]:
    """One per line or separated by commas; blanks dropped, duplicates kept once."""
    seen: dict[str, None] = {}
    for part in text.replace(",", "\n").splitlines():
        skill = " ".join(part.split())
        if skill:
            seen.setdefault(skill[:100], None)
    return list(seen)


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def read(form: FormData, t: Translator, today: dt.date, *, new: bool) -> Read:
    """Check what was sent. `new`: the type is asked (an opening keeps its type)."""
    got = Read()
    _sent(form, got.values)
    v, e, body = got.values, got.errors, got.body
    if new:
        if v["type"] not in TYPES:
            e["type"] = t.gettext("Choose the type of the opening")
        else:
            body["type"] = v["type"]
    if not v["title"]:
        e["title"] = t.gettext("Enter a title")
    elif len(v["title"]) > 200:
        e["title"] = t.gettext("The title can be at most 200 characters")
    body["title"] = v["title"]
    body["description"] = v["description"]
    for name in ("required_skills", "nice_skills"):
        # one more from the vocabulary's suggestions (`layout/skills.html`), kept in the list
        added = str(form.get(f"{name}_add") or "")
        body[name] = _skills(f"{v[name]}\n{added}")
        v[name] = "\n".join(body[name]) if added.strip() else v[name]
        if len(body[name]) > MAX_SKILLS:
            e[name] = t.gettext("List at most 50 skills")
    body["languages"] = _languages(v, e, t)
    if v["hours"] and v["hours"] not in HOURS:
        e["hours"] = t.gettext("Choose the working hours from the list")
    body["hours"] = v["hours"] or None
    body["municipality"] = v["municipality"][:100] or None
    body["remote"] = v["remote"] == "yes"
    try:
        body["places"] = int(v["places"])
    except ValueError:
        body["places"] = 0
    if not 1 <= body["places"] <= 1000:
        e["places"] = t.gettext("Enter the number of places as a whole number from 1 to 1000")
    _dates(v, e, body, t, today)
    return got


def _dates(
    v: dict[str, Any], e: dict[str, str], body: dict[str, Any], t: Translator, today: dt.date
) -> None:
    for name in ("start_date", "deadline"):
        day = _date(v[name])
        body[name] = day.isoformat() if day else None
        if v[name] and day is None:
            e[name] = t.gettext("Enter the date as a real date, for example 2027-03-31")
        elif name == "deadline" and day is not None and day < today:
            e[name] = t.gettext("The deadline cannot be in the past")


def _sent(form: FormData, v: dict[str, Any]) -> None:
    """The fields as sent (cleaned of control characters, cut to a sane length)."""
    for name in TEXT_FIELDS:
        v[name] = clean(form, name, 5000 if name == "description" else 2000)
    v["municipality"] = clean(form, "municipality", 200)
    v["places"] = clean(form, "places", 20) or "1"
    v["start_date"] = clean(form, "start_date", 20)
    v["deadline"] = clean(form, "deadline", 20)
    v["remote"] = "yes" if clean(form, "remote", 10) == "yes" else ""
    for i in range(1, LANGUAGE_ROWS + 1):
        v[f"language_{i}"] = clean(form, f"language_{i}", 10)
        v[f"level_{i}"] = clean(form, f"level_{i}", 10)


def _languages(v: dict[str, Any], e: dict[str, str], t: Translator) -> list[dict[str, str]]:
    languages: list[dict[str, str]] = []
    for i in range(1, LANGUAGE_ROWS + 1):
        code, level = v[f"language_{i}"], v[f"level_{i}"]
        if not code and not level:
            continue
        if code not in LANGUAGE_CODES:
            e[f"language_{i}"] = t.gettext("Choose the language")
        elif level not in LEVELS:
            e[f"level_{i}"] = t.gettext("Choose the level the work needs")
        elif all(x["code"] != code for x in languages):
            languages.append({"code": code, "level": level})
    return languages


def values_of(opening: Mapping[str, Any]) -> dict[str, Any]:
    """An opening from the API as the form's values (for editing)."""
    values: dict[str, Any] = {
        "type": opening.get("type", ""),
        "title": opening.get("title", ""),
        "description": opening.get("description", ""),
        "required_skills": "\n".join(opening.get("required_skills") or []),
        "nice_skills": "\n".join(opening.get("nice_skills") or []),
        "hours": opening.get("hours") or "",
        "municipality": opening.get("municipality") or "",
        "remote": "yes" if opening.get("remote") else "",
        "start_date": opening.get("start_date") or "",
        "deadline": opening.get("deadline") or "",
        "places": str(opening.get("places", 1)),
    }
    for i in range(1, LANGUAGE_ROWS + 1):
        values[f"language_{i}"] = values[f"level_{i}"] = ""
    for i, requirement in enumerate((opening.get("languages") or [])[:LANGUAGE_ROWS], start=1):
        values[f"language_{i}"] = requirement.get("code", "")
        # `level` in the one shape of language (issue 17); `min_level` as matching said before.
        values[f"level_{i}"] = requirement.get("level") or requirement.get("min_level", "")
    return values
