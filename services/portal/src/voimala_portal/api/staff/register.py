"""Registering a participant with their consents: one small group of questions per page, the
answers carried from page to page in hidden fields of the form (never in the portal's
database, never in a URL), then a check-your-answers page with "Change" buttons, then the
participants service. 409 (the e-mail is registered) links to the existing participant; a 422
puts its errors next to the fields on the page that asks them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ...services import ServiceError
from ...web.deps import PortalDep
from ...web.forms import clean, errors_from_problem
from ...web.pages import render, translator
from ...web.routing import page_router
from .common import (
    Gettext,
    StaffUser,
    channels,
    consent_purposes,
    contact_languages,
    education_levels,
    form_id,
    languages_spoken,
    levels,
    referral_sources,
)

router = page_router()

#: The version of the consent texts this page shows (the participants service's current one).
CONSENT_TEXT_VERSION = "2026-01"
LANGUAGE_ROWS = 3

#: The pages of the form in order, and the answers each asks.
STEPS: dict[str, list[str]] = {
    "name": ["given_name", "family_name"],
    "contact": ["email", "phone", "preferred_language", "preferred_channel"],
    "birth": ["birth_date", "birth_year", "municipality"],
    "eligibility": ["subsidy_days", "referral_reason", "referral_source"],
    "background": [
        "education_level",
        *[f"{part}{i}" for i in range(1, LANGUAGE_ROWS + 1) for part in ("lang", "level")],
        "skills",
    ],
    "consents": ["consent"],
}
ANSWERS = [name for names in STEPS.values() for name in names]
MAX_LENGTH = {"referral_reason": 500, "skills": 2000}
#: The participants service's field names → this form's (to place a 422's errors).
SERVICE_FIELDS = {
    "given_name": "given_name",
    "family_name": "family_name",
    "email": "email",
    "phone": "phone",
    "preferred_language": "preferred_language",
    "preferred_channel": "preferred_channel",
    "birth_date": "birth_date",
    "birth_year": "birth_year",
    "municipality": "municipality",
    "subsidy_days": "subsidy_days",
    "referral_reason": "referral_reason",
    "referral_source": "referral_source",
    "education_level": "education_level",
    "languages": "lang1",
    "skills": "skills",
    "consents": "consent",
}
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_PHONE = re.compile(r"^\+?[0-9 ()./-]{5,30}$")
_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def step_titles(_: Gettext) -> dict[str, str]:
    return {
        "name": _("Name"),
        "contact": _("Contact details and language"),
        "birth": _("Age and home municipality"),
        "eligibility": _("Eligibility for the programme"),
        "background": _("Education, languages and skills"),
        "consents": _("Consents"),
    }


def answers_from(form: FormData) -> dict[str, str]:
    """Every answer the form carries (hidden or asked on this page), cleaned."""
    draft = {name: clean(form, name, MAX_LENGTH.get(name, 200)) for name in ANSWERS}
    if clean(form, "step", 20) == "consents":
        chosen = [v for v in form.getlist("consent") if isinstance(v, str)]
        draft["consent"] = ",".join(p for p in consent_purposes(str) if p in chosen)
    # one more skill from the vocabulary's suggestions (`layout/skills.html`)
    added = clean(form, "skills_add", 100)
    if added:
        draft["skills"] = ", ".join(s for s in (draft["skills"], added) if s)
    return draft


def parse_birth_date(text: str) -> dt.date | None:
    """d.m.yyyy as Finns write it (or yyyy-mm-dd); None for anything that is not a real day."""
    found = _DATE.match(text)
    try:
        if found:
            day, month, year = (int(g) for g in found.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def skills_of(text: str) -> list[str]:
    return [s.strip()[:100] for s in re.split(r"[,;\n]", text) if s.strip()][:100]


def check_step(step: str, a: Mapping[str, str], _: Gettext, today: dt.date) -> dict[str, str]:
    """This page's answers checked as the service would, in words a counsellor understands."""
    errors: dict[str, str] = {}
    CHECKS[step](a, _, today, errors)
    return errors


Errors = dict[str, str]


def _check_name(a: Mapping[str, str], _: Gettext, today: dt.date, errors: Errors) -> None:
    if not a["given_name"]:
        errors["given_name"] = _("Enter the first name")
    if not a["family_name"]:
        errors["family_name"] = _("Enter the last name")
    for name in ("given_name", "family_name"):
        if len(a[name]) > 100:
            errors[name] = _("A name can be at most 100 characters")


def _check_contact(a: Mapping[str, str], _: Gettext, today: dt.date, errors: Errors) -> None:
    if a["email"] and not _EMAIL.match(a["email"]):
        errors["email"] = _("Enter an e-mail address in the form name@example.fi")
    if a["phone"] and not _PHONE.match(a["phone"]):
        errors["phone"] = _("Enter a phone number with digits only, for example 040 123 4567")
    if a["preferred_language"] not in contact_languages(_):
        errors["preferred_language"] = _("Choose the language for messages")
    channel = a["preferred_channel"]
    if channel not in channels(_):
        errors["preferred_channel"] = _("Choose how the participant wants messages")
    elif channel == "email" and not a["email"] and "email" not in errors:
        errors["email"] = _("Enter an e-mail address, or choose another way to send messages")
    elif channel == "sms" and not a["phone"] and "phone" not in errors:
        errors["phone"] = _("Enter a phone number, or choose another way to send messages")


def _check_birth(a: Mapping[str, str], _: Gettext, today: dt.date, errors: Errors) -> None:
    if a["birth_date"]:
        born = parse_birth_date(a["birth_date"])
        if born is None:
            errors["birth_date"] = _("Enter a real date, for example 15.3.1990")
        elif not dt.date(1900, 1, 1) <= born <= today:
            errors["birth_date"] = _("The date of birth must be between 1900 and today")
    elif a["birth_year"]:
        year = a["birth_year"]
        if not (year.isdigit() and 1900 <= int(year) <= today.year):
            errors["birth_year"] = _("Enter the year of birth as four digits, for example 1990")
    else:
        errors["birth_date"] = _("Enter the date of birth, or at least the year")
    if len(a["municipality"]) > 100:
        errors["municipality"] = _("The municipality can be at most 100 characters")


def _check_eligibility(a: Mapping[str, str], _: Gettext, today: dt.date, errors: Errors) -> None:
    days = a["subsidy_days"]
    if days and not (days.isdigit() and int(days) <= 20000):
        errors["subsidy_days"] = _("Enter the days as a whole number, for example 420")
    elif not a["referral_reason"] and (not days or int(days) < 300):
        errors["referral_reason"] = _(
            "Under 300 days on labour-market subsidy: give the reason for the referral"
        )
    if a["referral_source"] and a["referral_source"] not in referral_sources(_):
        errors["referral_source"] = _("Choose where the participant came from")


def _check_background(a: Mapping[str, str], _: Gettext, today: dt.date, errors: Errors) -> None:
    if a["education_level"] and a["education_level"] not in education_levels(_):
        errors["education_level"] = _("Choose the education from the list")
    for i in range(1, LANGUAGE_ROWS + 1):
        code, level = a[f"lang{i}"], a[f"level{i}"]
        if code and code not in languages_spoken(_):
            errors[f"lang{i}"] = _("Choose the language from the list")
        elif bool(code) != bool(level) or (level and level not in levels(_)):
            target = f"level{i}" if code else f"lang{i}"
            errors[target] = _("Choose both the language and its level")


def _check_consents(a: Mapping[str, str], _: Gettext, today: dt.date, errors: Errors) -> None:
    if "registry" not in a["consent"].split(","):
        errors["consent"] = _(
            "Only a person who agrees to registration can be registered: tick the first consent"
        )


CHECKS = {
    "name": _check_name,
    "contact": _check_contact,
    "birth": _check_birth,
    "eligibility": _check_eligibility,
    "background": _check_background,
    "consents": _check_consents,
}


def service_body(a: Mapping[str, str]) -> dict[str, Any]:
    """The participants service's `ParticipantIn` from the answers."""
    body: dict[str, Any] = {
        "given_name": a["given_name"],
        "family_name": a["family_name"],
        "preferred_language": a["preferred_language"] or "fi",
        "preferred_channel": a["preferred_channel"] or "in_app",
        "consent_text_version": CONSENT_TEXT_VERSION,
    }
    for name in ("email", "phone", "municipality", "referral_reason", "referral_source"):
        if a[name]:
            body[name] = a[name]
    born = parse_birth_date(a["birth_date"]) if a["birth_date"] else None
    if born is not None:
        body["birth_date"] = born.isoformat()
    elif a["birth_year"].isdigit():
        body["birth_year"] = int(a["birth_year"])
    for name in ("subsidy_days", "education_level"):
        if a[name].isdigit():
            body[name] = int(a[name])
    body["languages"] = [
        {"code": a[f"lang{i}"], "level": a[f"level{i}"]}
        for i in range(1, LANGUAGE_ROWS + 1)
        if a[f"lang{i}"] and a[f"level{i}"]
    ]
    body["skills"] = skills_of(a["skills"])
    chosen = set(a["consent"].split(","))
    # Every purpose is answered: a consent not given is recorded as declined, with the text
    # version shown, so that the history says what the person was asked.
    body["consents"] = {p: p in chosen for p in consent_purposes(str)}
    return body


def _page(
    request: Request,
    step: str,
    answers: Mapping[str, str],
    *,
    errors: Mapping[str, str] | None = None,
    review: bool = False,
    existing: str | None = None,
) -> Response:
    _ = translator(request).gettext
    names = list(STEPS)
    asked = set(STEPS.get(step, []))
    values: dict[str, Any] = dict(answers)
    values["consent"] = [c for c in answers.get("consent", "").split(",") if c]
    return render(
        request,
        "staff/register.html",
        {
            "step": step,
            "number": names.index(step) + 1 if step in STEPS else len(names) + 1,
            "steps_total": len(names) + 1,
            "titles": step_titles(_),
            "hidden": {k: v for k, v in answers.items() if k not in asked},
            "values": values,
            "errors": dict(errors or {}),
            "review": review,
            "existing": existing,
            "version": CONSENT_TEXT_VERSION,
            "options": _options(_),
            "language_rows": range(1, LANGUAGE_ROWS + 1),
            "summary": _summary(answers, _) if step == "check" else [],
        },
        status_code=400 if errors or existing else 200,
    )


def _options(_: Gettext) -> dict[str, list[Any]]:
    """The choices of the form's questions: (value, label, hint) for radios and checkboxes,
    (value, label) for lists."""
    choose = [("", _("Choose"))]
    return {
        "language": [(k, v, None) for k, v in contact_languages(_).items()],
        "channel": [(k, v, None) for k, v in channels(_).items()],
        "source": [(k, v, None) for k, v in referral_sources(_).items()],
        "consent": [(k, name, text) for k, (name, text) in consent_purposes(_).items()],
        "education": [("", _("Not known")), *education_levels(_).items()],
        "spoken": [*choose, *languages_spoken(_).items()],
        "level": [*choose, *levels(_).items()],
    }


def _summary(a: Mapping[str, str], _: Gettext) -> list[tuple[str, str, str]]:
    """(step, question, answer) rows of the check-your-answers page."""
    born = parse_birth_date(a["birth_date"]) if a["birth_date"] else None
    spoken = [
        f"{languages_spoken(_).get(a[f'lang{i}'], '')} ({levels(_).get(a[f'level{i}'], '')})"
        for i in range(1, LANGUAGE_ROWS + 1)
        if a[f"lang{i}"]
    ]
    chosen = [c for c in a["consent"].split(",") if c]
    purposes = consent_purposes(_)
    none = _("Not given")
    return [
        ("name", _("Name"), f"{a['given_name']} {a['family_name']}"),
        ("contact", _("E-mail"), a["email"] or none),
        ("contact", _("Phone"), a["phone"] or none),
        (
            "contact",
            _("Language for messages"),
            contact_languages(_).get(a["preferred_language"], ""),
        ),
        ("contact", _("Messages by"), channels(_).get(a["preferred_channel"], "")),
        (
            "birth",
            _("Date or year of birth"),
            (f"{born.day}.{born.month}.{born.year}" if born else a["birth_year"]) or none,
        ),
        ("birth", _("Home municipality"), a["municipality"] or none),
        ("eligibility", _("Days on labour-market subsidy"), a["subsidy_days"] or none),
        ("eligibility", _("Reason for the referral"), a["referral_reason"] or none),
        (
            "eligibility",
            _("Came from"),
            referral_sources(_).get(a["referral_source"], "") or none,
        ),
        (
            "background",
            _("Education"),
            education_levels(_).get(a["education_level"], "") or none,
        ),
        ("background", _("Languages"), ", ".join(spoken) or none),
        ("background", _("Skills"), ", ".join(skills_of(a["skills"])) or none),
        (
            "consents",
            _("Consents given (text version %(version)s)", version=CONSENT_TEXT_VERSION),
            ", ".join(purposes[c][0] for c in chosen if c in purposes) or none,
        ),
    ]


@router.get("/staff/participants/new")
async def start(request: Request, user: StaffUser) -> Response:
    blank = dict.fromkeys(ANSWERS, "")
    blank["preferred_language"] = "fi"
    blank["preferred_channel"] = "in_app"
    return _page(request, "name", blank)


@router.post("/staff/participants/new")
async def answer(request: Request, portal: PortalDep, user: StaffUser) -> Response:
    form = await request.form()
    _ = translator(request).gettext
    answers = answers_from(form)
    step = clean(form, "step", 20)
    review = clean(form, "review", 5) == "1"
    goto = clean(form, "goto", 20)
    if step == "check" and goto not in STEPS:
        return await _register(request, portal, user, answers)
    if step == "check" or goto in STEPS:
        # "Change" on the check page, or "Back": no checks on the way, the answers are kept.
        return _page(request, goto, answers, review=review or step == "check")
    if step not in STEPS:
        return _page(request, "name", answers)
    errors = check_step(step, answers, _, portal.clock.now().date())
    if errors:
        return _page(request, step, answers, errors=errors, review=review)
    names = [*STEPS, "check"]
    return _page(request, "check" if review else names[names.index(step) + 1], answers)


async def _register(
    request: Request, portal: PortalDep, user: StaffUser, answers: Mapping[str, str]
) -> Response:
    _ = translator(request).gettext
    today = portal.clock.now().date()
    # Every page again: hidden fields come from the browser and may have been changed.
    for step in STEPS:
        errors = check_step(step, answers, _, today)
        if errors:
            return _page(request, step, answers, errors=errors, review=True)
    try:
        created = await portal.services.as_user(user).post(
            "participants", "/participants", service_body(answers)
        )
    except ServiceError as exc:
        if exc.status == 409:
            existing = form_id(str(exc.problem.get("existing_participant_id") or ""))
            return _page(
                request,
                "check",
                answers,
                errors={"": _("A participant with this e-mail address is already registered.")},
                existing=str(existing) if existing else None,
            )
        if exc.status == 422:
            return _unplaced(request, answers, exc.problem, _)
        raise
    return RedirectResponse(f"/staff/participants/{created['id']}?done=registered", 303)


def _unplaced(
    request: Request, answers: Mapping[str, str], problem: Mapping[str, Any], _: Gettext
) -> Response:
    """The service refused an answer this form let through (its rules are the last word):
    the page that asks it again, with our words for the field."""
    words = {
        "email": _("Enter an e-mail address in the form name@example.fi"),
        "phone": _("The phone number is not valid: check the digits and the country code"),
        "birth_date": _("Enter a real date, for example 15.3.1990"),
        "birth_year": _("Enter the year of birth as four digits, for example 1990"),
        "lang1": _("Choose both the language and its level"),
        "skills": _("A skill can be at most 100 characters"),
    }
    placed = errors_from_problem(problem, SERVICE_FIELDS)
    errors = {name: words.get(name, _("Check this answer")) for name in placed if name}
    for step, names in STEPS.items():
        if any(name in errors for name in names):
            return _page(request, step, answers, errors=errors, review=True)
    return _page(
        request,
        "check",
        answers,
        errors={"": _("The participant could not be registered. Check the answers.")},
    )
