"""Repeats as people say them ("every Wednesday", "every other Tuesday", "once") turned into
the RFC 5545 rule the events service wants, and a series' rule described back in words.

The weekday comes from the first date, so the form asks one question less and cannot
disagree with itself.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from babel.dates import get_day_names

from ...web.i18n import Translator

DAYS: Final = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
#: The choices of the form, in the order shown.
REPEATS: Final = ("once", "weekly", "fortnightly", "monthly")


def to_rule(repeat: str, first: date, until: date | None) -> str:
    """The RRULE for a choice; the weekday (and for "monthly" the week of the month) is the
    first date's. `until` ends a repeating series on that day."""
    day = DAYS[first.weekday()]
    if repeat == "once":
        return "FREQ=DAILY;COUNT=1"
    if repeat == "weekly":
        rule = f"FREQ=WEEKLY;BYDAY={day}"
    elif repeat == "fortnightly":
        rule = f"FREQ=WEEKLY;INTERVAL=2;BYDAY={day}"
    elif repeat == "monthly":
        week = (first.day - 1) // 7 + 1
        # A fifth weekday does not come every month: "the last" does.
        rule = f"FREQ=MONTHLY;BYDAY={-1 if week == 5 else week}{day}"
    else:
        raise ValueError("unknown repeat")
    if until is not None:
        rule += f";UNTIL={until.strftime('%Y%m%d')}"
    return rule


def weekday_name(t: Translator, code: str, definite: bool = False) -> str:
    """The weekday as written in a sentence: "Wednesday", "keskiviikko", "onsdag(en)"."""
    name = str(get_day_names("wide", context="stand-alone", locale=t.language)[DAYS.index(code)])
    if t.language == "en":
        return name
    name = name.lower()
    return name + "en" if definite and t.language == "sv" else name


def _ordinal(t: Translator, n: int) -> str:
    if n == -1:
        return t.gettext("last")
    if t.language == "fi":
        return f"{n}."
    if t.language == "sv":
        return f"{n}:{'a' if n in (1, 2) else 'e'}"
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")


def describe(t: Translator, rule: str) -> str:  # noqa: PLR0911 - one answer per shape of rule
    """A series' rule in words where it is one of the common shapes; else the rule itself."""
    parts = dict(p.split("=", 1) for p in rule.upper().split(";") if "=" in p)
    freq, days = parts.get("FREQ"), parts.get("BYDAY", "").split(",")
    interval = parts.get("INTERVAL", "1")
    extra = set(parts) - {"FREQ", "BYDAY", "INTERVAL", "UNTIL", "WKST"}
    if parts.get("COUNT") == "1" and not extra - {"COUNT"}:
        return t.gettext("once")
    if extra or not days or not days[0]:
        return rule
    if freq == "WEEKLY" and len(days) == 1 and days[0] in DAYS and interval in ("1", "2"):
        name = weekday_name(t, days[0])
        if interval == "1":
            return t.gettext("every %(weekday)s", weekday=name)
        return t.gettext("every other %(weekday)s", weekday=name)
    if freq == "MONTHLY" and interval == "1":
        weeks, codes = [], set()
        for d in days:
            code, number = d[-2:], d[:-2]
            if code not in DAYS or number not in ("1", "2", "3", "4", "-1"):
                return rule
            codes.add(code)
            weeks.append(int(number))
        if len(codes) != 1:
            return rule
        ordinals = [_ordinal(t, n) for n in weeks]
        joined = (
            ordinals[0]
            if len(ordinals) == 1
            else t.gettext(
                "%(first)s and %(last)s", first=", ".join(ordinals[:-1]), last=ordinals[-1]
            )
        )
        return t.gettext(
            "the %(ordinals)s %(weekday)s of every month",
            ordinals=joined,
            weekday=weekday_name(t, codes.pop(), definite=True),
        )
    return rule
