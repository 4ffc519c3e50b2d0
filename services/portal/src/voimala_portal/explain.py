"""A match's explanation as a person would say it, in the page's language.

Matching explains a score with factors (`domain/scoring.py` in matching: skills, languages,
location, availability, goals; priority is removed before partners and mentors see it) whose
`note`s are short English codes, plus the matched and missing skills. This module turns them,
with the opening's requirements and the candidate's pseudonymous profile, into sentences
such as "4 of 5 required skills; missing: forklift licence" or "speaks Finnish B1 (asked: B2)".

Pure functions over plain dicts (the services' JSON): tested without any service running.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from voimala_contracts.vocabulary import vocabulary

from .web.i18n import Translator

_SKILLS_NOTE = re.compile(r"^(\d+)/(\d+) required, (\d+)/(\d+) nice$")
_GOALS_NOTE = re.compile(r"^(\d+) matching words in goals$")


def language_name(t: Translator, code: str) -> str:
    """A language's name in the page's language (the codes the programme meets)."""
    names = {
        "fi": t.gettext("Finnish"),
        "sv": t.gettext("Swedish"),
        "en": t.gettext("English"),
        "ru": t.gettext("Russian"),
        "uk": t.gettext("Ukrainian"),
        "ar": t.gettext("Arabic"),
        "et": t.gettext("Estonian"),
        "so": t.gettext("Somali"),
        "fa": t.gettext("Persian"),
        "de": t.gettext("German"),
    }
    return names.get(code, code.upper())


def level_name(t: Translator, level: str) -> str:
    return t.gettext("native") if level == "native" else level


def skill_names(t: Translator, keys: Sequence[Any]) -> str:
    """Skills in the page's language (the vocabulary's labels; free text as written)."""
    v = vocabulary()
    return ", ".join(v.label(str(k), t.language) for k in keys)


def _factor(explanation: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    return next((f for f in explanation.get("factors") or [] if f.get("name") == name), None)


def _skills(t: Translator, explanation: Mapping[str, Any]) -> list[str]:
    factor = _factor(explanation, "skills")
    note = (factor or {}).get("note") or ""
    missing = [str(s) for s in explanation.get("missing_skills") or []]
    named = skill_names(t, missing)
    found = _SKILLS_NOTE.match(note)
    said: list[str] = []
    if found:
        has, total, nice_has, nice_total = (int(g) for g in found.groups())
        if total:
            text = t.ngettext(
                "%(has)s of %(n)s required skill",
                "%(has)s of %(n)s required skills",
                total,
                has=has,
            )
            if missing:
                text += "; " + t.gettext("missing: %(skills)s", skills=named)
            said.append(text)
        if nice_total:
            said.append(
                t.ngettext(
                    "%(has)s of %(n)s nice-to-have skill",
                    "%(has)s of %(n)s nice-to-have skills",
                    nice_total,
                    has=nice_has,
                )
            )
    elif missing:
        said.append(t.gettext("missing: %(skills)s", skills=named))
    return said


def _languages(
    t: Translator, asked: Sequence[Mapping[str, Any]], spoken: Sequence[Mapping[str, Any]]
) -> list[str]:
    levels = {str(s.get("code")): str(s.get("level")) for s in spoken}
    said = []
    for requirement in asked:
        code = str(requirement.get("code"))
        if code not in levels:
            continue  # a hard filter makes this impossible: better nothing than a wrong word
        said.append(
            t.gettext(
                "speaks %(language)s %(level)s (asked: %(asked)s)",
                language=language_name(t, code),
                level=level_name(t, levels[code]),
                asked=level_name(t, str(requirement.get("level") or requirement.get("min_level"))),
            )
        )
    return said


def _location(t: Translator, note: str, place: str | None) -> str | None:
    if note == "remote work possible":
        return t.gettext("remote work possible")
    if not place:
        return t.gettext("place of residence not given")
    if note in ("same municipality", "location unknown"):
        # "location unknown" also when the opening names no place: the person's is known.
        return t.gettext("lives in %(place)s", place=place)
    if note == "neighbouring municipality":
        return t.gettext("lives in %(place)s, a neighbouring municipality", place=place)
    if note == "outside commuting distance":
        return t.gettext("lives in %(place)s, outside commuting distance", place=place)
    return None


def _availability(t: Translator, note: str) -> str | None:
    if note == "available for these hours":
        return t.gettext("available for these working hours")
    if note == "not available for these hours":
        return t.gettext("not available for these working hours")
    if note == "availability not given":
        return t.gettext("availability not given")
    return None  # the mentor's preference for young people: not said (it would tell age)


def explain(
    t: Translator,
    explanation: Mapping[str, Any],
    *,
    asked_languages: Sequence[Mapping[str, Any]] = (),
    candidate: Mapping[str, Any] | None = None,
    mentor: bool = False,
) -> list[str]:
    """The explanation as short sentences, most important first. `asked_languages`: the
    opening's language requirements; `candidate`: the pseudonymous profile, if known."""
    candidate = candidate or {}
    said: list[str] = []
    if mentor:
        matched = [str(s) for s in explanation.get("matched_skills") or []]
        if matched:
            said.append(t.gettext("shared field: %(fields)s", fields=skill_names(t, matched)))
        if _factor(explanation, "languages"):
            said.append(t.gettext("you share a language"))
    else:
        said += _skills(t, explanation)
        said += _languages(t, asked_languages, candidate.get("languages") or [])
    location = _factor(explanation, "location")
    if location is not None:
        text = _location(t, location.get("note") or "", candidate.get("municipality"))
        if text:
            said.append(text)
    availability = _factor(explanation, "availability")
    if availability is not None and not mentor:
        text = _availability(t, availability.get("note") or "")
        if text:
            said.append(text)
    goals = _factor(explanation, "goals")
    found = _GOALS_NOTE.match((goals or {}).get("note") or "")
    if found and int(found.group(1)) > 0:
        said.append(t.gettext("their goals fit this work"))
    return said


def fit(t: Translator, score: float) -> str:
    """The score as a percentage, as the page's language writes it ("82 %", "82%")."""
    percent = round(float(score) * 100)
    return t.gettext("fit %(percent)s%%", percent=t.number(percent))


def next_steps(t: Translator, explanation: Mapping[str, Any]) -> list[str]:
    """The next steps of an explanation (issue 14), one line each: "Finnish → Language café,
    Wed 9.12. 14:00". Only the participant's and staff's explanations have any."""
    said = []
    for step in explanation.get("next_steps") or []:
        title = step.get("title") or {}
        name = title.get(t.language) or title.get("fi") or ""
        when = dt.datetime.fromisoformat(str(step["starts_at"]))
        said.append(
            t.gettext(
                "%(skill)s → %(event)s, %(when)s",
                skill=skill_names(t, [step.get("skill", "")]),
                event=name,
                when=f"{t.weekday_date(when)} {t.time(when)}",
            )
        )
    return said
