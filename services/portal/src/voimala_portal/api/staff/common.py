"""What the staff pages share: who may open them, ids from URLs, Helsinki days, the
occurrences of the programme, and the labels of the services' codes in the page's language."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends
from starlette.exceptions import HTTPException

from ...repository.sessions import SessionUser
from ...services import Caller
from ...web.session import require

StaffUser = Annotated[SessionUser, Depends(require("coordinator", "counsellor"))]

#: Why staff read personal data on these pages (the participants service audits every read).
PURPOSE_CASE_WORK = "case_work"
PURPOSE_SEARCH = "search"
PURPOSE_CHECK_IN = "check_in"

Gettext = Callable[..., str]


def path_id(value: str) -> uuid.UUID:
    """An id from the URL: anything but a UUID is a page that does not exist (404, not 500)."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise HTTPException(404) from None


def tidy(value: str, max_length: int = 500) -> str:
    """A text from a query string as `clean` treats form fields: no control characters
    (NUL included), stripped, cut to `max_length`."""
    kept = "".join(ch for ch in value if ch.isprintable()).strip()
    return kept[:max_length]


def form_id(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


async def programme_between(caller: Caller, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    """Occurrences from `first` to `last` (Helsinki days, both included), by start, from the
    month documents of the events service."""
    months = sorted({(first.year, first.month), (last.year, last.month)})
    documents = await asyncio.gather(
        *(caller.get("events", f"/programme/{y:04d}-{m:02d}", format="json") for y, m in months)
    )
    items = [o for d in documents for o in d.get("occurrences", [])]
    wanted = [o for o in items if first.isoformat() <= o["date"] <= last.isoformat()]
    for o in wanted:
        o["day"] = dt.date.fromisoformat(o["date"])
    return sorted(wanted, key=lambda o: o["starts_at"])


def text_in(texts: dict[str, Any] | None, lang: str) -> str:
    """A service's {fi, sv, en} text in the page's language, Finnish when missing."""
    texts = texts or {}
    return str(texts.get(lang) or texts.get("fi") or "")


def parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- the services' codes in words: literal calls, so that the extractor finds them ----------


def visit_purposes(_: Gettext) -> dict[str, str]:
    return {
        "job_search": _("Job search"),
        "counselling": _("Counselling and guidance"),
        "language_cafe": _("Language café"),
        "workshop": _("Job-search workshop"),
        "digital_help": _("Help with digital services"),
        "information": _("Information and advice"),
        "other": _("Something else"),
    }


def age_groups(_: Gettext) -> dict[str, str]:
    return {
        "under_30": _("Under 30"),
        "30_54": _("30–54"),  # noqa: RUF001 - a range of numbers takes an en dash
        "55_plus": _("55 or over"),
        "unknown": _("Not known"),
    }


def consent_purposes(_: Gettext) -> dict[str, tuple[str, str]]:
    """Each purpose: its name and the consent text shown to the person."""
    return {
        "registry": (
            _("Registration in the programme"),
            _("My details are kept in the programme's register so that the staff can guide me."),
        ),
        "matching": (
            _("Matching to openings and mentors"),
            _("My skills and circumstances may be shown to employers and mentors without my name."),
        ),
        "contact_sharing": (
            _("Sharing contact details after a match"),
            _("When I accept a match, my contact details may be given to the employer or mentor."),
        ),
        "notifications_email": (
            _("Messages by e-mail"),
            _("The programme may send me messages by e-mail."),
        ),
        "notifications_sms": (
            _("Messages by text message"),
            _("The programme may send me text messages."),
        ),
        "statistics": (
            _("Statistics"),
            _("My details may be used in the programme's statistics, which never name anyone."),
        ),
    }


def languages_spoken(_: Gettext) -> dict[str, str]:
    return {
        "fi": _("Finnish"),
        "sv": _("Swedish"),
        "en": _("English"),
        "ru": _("Russian"),
        "uk": _("Ukrainian"),
        "et": _("Estonian"),
        "ar": _("Arabic"),
        "so": _("Somali"),
        "fa": _("Persian"),
        "ku": _("Kurdish"),
        "th": _("Thai"),
        "vi": _("Vietnamese"),
        "de": _("German"),
        "fr": _("French"),
        "es": _("Spanish"),
    }


def levels(_: Gettext) -> dict[str, str]:
    return {
        "native": _("Native language"),
        "C2": "C2",
        "C1": "C1",
        "B2": "B2",
        "B1": "B1",
        "A2": "A2",
        "A1": "A1",
    }


def education_levels(_: Gettext) -> dict[str, str]:
    return {
        "0": _("No basic education completed"),
        "1": _("Primary school"),
        "2": _("Basic education (comprehensive school)"),
        "3": _("Upper secondary (vocational or general)"),
        "4": _("Post-secondary, not higher education"),
        "5": _("Short-cycle higher education"),
        "6": _("Bachelor's or equivalent"),
        "7": _("Master's or equivalent"),
        "8": _("Doctorate"),
    }


def channels(_: Gettext) -> dict[str, str]:
    return {
        "in_app": _("In Voimala's own inbox"),
        "email": _("E-mail"),
        "sms": _("Text message"),
    }


def contact_languages(_: Gettext) -> dict[str, str]:
    return {"fi": _("Finnish"), "sv": _("Swedish"), "en": _("English")}


def referral_sources(_: Gettext) -> dict[str, str]:
    return {
        "employment_services": _("Employment services"),
        "career_coaching": _("Career coaching"),
        "self": _("Came on their own"),
        "other": _("Other"),
    }


def target_groups(_: Gettext) -> dict[str, str]:
    return {
        "subsidy_500_plus": _("Labour-market subsidy 500 days or more"),
        "subsidy_300_499": _("Labour-market subsidy 300–499 days"),  # noqa: RUF001 - a range
        "referred_by_staff": _("Referred by programme staff"),
    }


def statuses(_: Gettext) -> dict[str, str]:
    return {
        "active": _("Active"),
        "paused": _("Paused"),
        "exited": _("Exited"),
        "confirmed": _("Confirmed"),
        "waitlisted": _("On the waiting list"),
        "cancelled": _("Registration cancelled"),
        "attended": _("Attended"),
        "no_show": _("Did not come"),
    }


def timeline_kinds(_: Gettext) -> dict[str, str]:
    return {
        "participant.registered": _("Registered in the programme"),
        "participant.updated": _("Details corrected"),
        "consent.changed": _("Consent changed"),
        "participant.exited": _("Left the programme"),
        "participant.returned": _("Returned to the programme"),
        "participant.follow_up": _("Follow-up recorded"),
        "visit.recorded": _("Visited the service point"),
        "idea.submitted": _("Sent an idea"),
        "idea.realised": _("Their idea came true"),
        "activity.registered": _("Registered for an event"),
        "activity.waitlisted": _("On the waiting list for an event"),
        "activity.cancelled": _("Registration cancelled"),
        "activity.attended": _("Attended an event"),
        "activity.no_show": _("Did not come to an event"),
        "match.proposed": _("Proposed for an opening or a mentor"),
        "match.accepted": _("Match accepted"),
        "match.declined": _("Match declined"),
        "match.confirmed": _("Match confirmed"),
        "match.expired": _("Proposal expired"),
        "match.outcome_recorded": _("Outcome of a match recorded"),
        "message.sent": _("Message sent"),
        "message.failed": _("Message could not be delivered"),
        "worklist.done": _("Worklist item done"),
        "worklist.dismissed": _("Worklist item dismissed"),
    }
