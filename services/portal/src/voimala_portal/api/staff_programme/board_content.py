"""What the city board's report says, in the reader's language, once for the page and for its
PDF: the key figures of the month and the year so far, the charts with their tables, the
programme's attendance by series, and how each figure is counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from babel.numbers import format_percent
from voimala_kit.clock import HELSINKI

from ...web.i18n import Translator
from .board_charts import Chart, Series, bar_chart

OUTCOMES = (
    "employed",
    "pay_subsidised_job",
    "work_trial",
    "apprenticeship",
    "education",
    "other",
    "unknown",
)
LEADS = (
    "registration_to_first_activity",
    "registration_to_first_proposal",
    "registration_to_outcome",
)
DASH = "\N{EN DASH}"


@dataclass(frozen=True)
class Figures:
    month: str
    months: list[str]
    #: The participants service's report per month of the year so far, and for the year.
    monthly: list[dict[str, Any]]
    year: dict[str, Any]
    #: The events service's attendance report for the year so far (its months and total).
    attendance: dict[str, Any]
    ideas: list[dict[str, Any]]

    @property
    def attendance_month(self) -> dict[str, Any]:
        found: dict[str, Any] = self.attendance["months"][-1]
        return found

    @property
    def attendance_year(self) -> dict[str, Any]:
        found: dict[str, Any] = self.attendance["total"]
        return found


@dataclass(frozen=True)
class Block:
    """A chart and its table: the same figures twice, for the eye and for the ear."""

    chart: Any
    caption: str
    head: list[str]
    rows: list[tuple[str, list[str]]]
    #: The chart's figures, for drawing it again (the PDF).
    data: Chart


@dataclass(frozen=True)
class Content:
    title: str
    month_name: str
    year: str
    key_rows: list[tuple[str, str, str]]
    blocks: list[Block]
    series_caption: str
    series_head: list[str]
    series_rows: list[tuple[str, list[str]]]
    notes: list[str]
    as_of: datetime


def _in_month(idea: dict[str, Any], month: str) -> bool:
    local = datetime.fromisoformat(idea["submitted_at"]).astimezone(HELSINKI)
    return local.strftime("%Y-%m") == month


def _labels(t: Translator) -> dict[str, str]:
    return {
        "employed": t.gettext("Employed"),
        "pay_subsidised_job": t.gettext("Pay-subsidised job"),
        "work_trial": t.gettext("Work trial"),
        "apprenticeship": t.gettext("Apprenticeship"),
        "education": t.gettext("Education"),
        "other": t.gettext("Other"),
        "unknown": t.gettext("Not known"),
        "registration_to_first_activity": t.gettext("To the first activity"),
        "registration_to_first_proposal": t.gettext("To the first job proposal"),
        "registration_to_outcome": t.gettext("To an outcome"),
    }


def rate(t: Translator, value: float | None) -> str:
    """An attendance rate as a percentage in the reader's language; none: a dash."""
    return DASH if value is None else format_percent(value, locale=t.locale)


def _people_rows(t: Translator, f: Figures) -> list[tuple[str, int, int]]:
    m, y = f.monthly[-1], f.year
    return [
        (t.gettext("Participants who started"), m["entries"]["total"], y["entries"]["total"]),
        (
            t.gettext("of them young people (under 30)"),
            m["entries"]["youth"],
            y["entries"]["youth"],
        ),
        (t.gettext("Participants who left"), m["exits"]["total"], y["exits"]["total"]),
        (
            t.gettext("of them employed"),
            m["exits"]["by_outcome"]["employed"],
            y["exits"]["by_outcome"]["employed"],
        ),
        (
            t.gettext("Visits to the service point"),
            m["service_point"]["visits"],
            y["service_point"]["visits"],
        ),
    ]


def N_(message: str) -> str:  # noqa: N802 - the extractor's keyword
    """A message marked for translation where it is written, translated where it is shown."""
    return message


#: The attendance report's counts in the key figures, in this order.
ATTENDANCE_KEYS = (
    ("occurrences_held", N_("Programme dates held")),
    ("occurrences_cancelled", N_("Programme dates cancelled")),
    ("places_offered", N_("Places offered on dates held")),
    ("registrations", N_("Registrations for dates held")),
    ("attended", N_("Attended, walk-ins included")),
    ("walk_ins", N_("of them walk-ins without registration")),
    ("no_shows", N_("Registered but did not come")),
    ("unique_attendees", N_("Different people who attended")),
)


def _attendance_rows(t: Translator, f: Figures) -> list[tuple[str, int, int]]:
    m, y = f.attendance_month, f.attendance_year
    return [(t.gettext(label), m[key], y[key]) for key, label in ATTENDANCE_KEYS]


def key_rows(t: Translator, f: Figures) -> list[tuple[str, str, str]]:
    """The headline figures, written in the reader's language: the month and the year so far."""
    ideas_month = [i for i in f.ideas if _in_month(i, f.month)]
    counts = [
        *_people_rows(t, f),
        *_attendance_rows(t, f),
        (t.gettext("Ideas and wishes received"), len(ideas_month), len(f.ideas)),
        (
            t.gettext("of them realised"),
            sum(1 for i in ideas_month if i["status"] == "realised"),
            sum(1 for i in f.ideas if i["status"] == "realised"),
        ),
    ]
    rows = [(label, t.number(a), t.number(b)) for label, a, b in counts]
    at = len(_people_rows(t, f)) + len(ATTENDANCE_KEYS) - 1
    rows.insert(
        at,
        (
            t.gettext("Attendance rate of the registered"),
            rate(t, f.attendance_month["attendance_rate"]),
            rate(t, f.attendance_year["attendance_rate"]),
        ),
    )
    return rows


def _text(t: Translator, value: float | None) -> str:
    return t.gettext("no one in the period") if value is None else t.number(value)


def _desc(t: Translator, categories: list[str], series: list[Series]) -> str:
    parts = []
    for i, c in enumerate(categories):
        values = ", ".join(f"{s.name} {_text(t, s.values[i])}" for s in series)
        parts.append(f"{c}: {values}")
    return "; ".join(parts) + "."


def _block(t: Translator, cid: str, title: str, cats: list[str], series: list[Series]) -> Block:
    chart = Chart(cid, title, _desc(t, cats, series), cats, series, fmt=t.number)
    rows = [
        (c, [DASH if s.values[i] is None else t.number(s.values[i]) for s in series])  # type: ignore[arg-type]
        for i, c in enumerate(cats)
    ]
    return Block(bar_chart(chart), title, [s.name for s in series], rows, chart)


def _month_names(t: Translator, months: list[str]) -> list[str]:
    return [format_date(date.fromisoformat(f"{m}-01"), "LLL", locale=t.locale) for m in months]


def _programme_blocks(t: Translator, f: Figures, names: list[str]) -> list[Block]:
    months = f.attendance["months"]
    held = Series(t.gettext("Dates held"), [m["occurrences_held"] for m in months])
    registered = Series(t.gettext("Registrations"), [m["registrations"] for m in months])
    came = Series(t.gettext("Came"), [m["attended"] for m in months])
    missed = Series(t.gettext("No-shows"), [m["no_shows"] for m in months])
    return [
        _block(
            t,
            "events",
            t.gettext("The programme's dates held and registrations, by month"),
            names,
            [held, registered],
        ),
        _block(
            t,
            "attendance",
            t.gettext("Attendance at the programme's dates, by month"),
            names,
            [registered, came, missed],
        ),
    ]


def blocks(t: Translator, f: Figures, month_name: str) -> list[Block]:
    names = _month_names(t, f.months)
    labels = _labels(t)
    this, year = month_name, t.gettext("Year so far")
    entries = Series(t.gettext("Started, people"), [r["entries"]["total"] for r in f.monthly])
    exits = Series(t.gettext("Left"), [r["exits"]["total"] for r in f.monthly])
    by_outcome = [
        Series(name, [r["exits"]["by_outcome"][o] for o in OUTCOMES])
        for name, r in ((this, f.monthly[-1]), (year, f.year))
    ]
    visits = Series(t.gettext("Visits"), [r["service_point"]["visits"] for r in f.monthly])
    leads = [
        Series(name, [r["lead_times_days"][k]["median"] for k in LEADS])
        for name, r in ((this, f.monthly[-1]), (year, f.year))
    ]
    return [
        _block(
            t,
            "entries",
            t.gettext("Participants who started and left, by month"),
            names,
            [entries, exits],
        ),
        _block(
            t,
            "outcomes",
            t.gettext("Participants who left, by outcome"),
            [labels[o] for o in OUTCOMES],
            by_outcome,
        ),
        _block(t, "visits", t.gettext("Visits to the service point, by month"), names, [visits]),
        *_programme_blocks(t, f, names),
        _block(
            t,
            "leads",
            t.gettext("Lead times from registration, median days"),
            [labels[k] for k in LEADS],
            leads,
        ),
    ]


def series_table(t: Translator, f: Figures) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The year so far by series (title in the reader's language): head and rows."""
    head = [
        t.gettext("Dates held"),
        t.gettext("Registrations"),
        t.gettext("Came"),
        t.gettext("No-shows"),
        t.gettext("Attendance rate"),
        t.gettext("Different people"),
    ]
    rows = []
    for s in f.attendance_year["series"]:
        if not s["occurrences_held"]:
            continue
        title = s["title"].get(t.language) or s["title"].get("fi") or ""
        cells = [
            t.number(s[k]) for k in ("occurrences_held", "registrations", "attended", "no_shows")
        ]
        cells += [rate(t, s["attendance_rate"]), t.number(s["unique_attendees"])]
        rows.append((title, cells))
    return head, rows


def notes(t: Translator) -> list[str]:
    return [
        t.gettext(
            "Started: stays in the programme that began in the period (a participant who "
            "returns starts again). Left: stays that ended, by the outcome recorded at exit."
        ),
        t.gettext(
            "Visits: drop-in visits to the service point recorded by staff, anonymous visitors "
            "included."
        ),
        t.gettext(
            "Programme dates: a date counts in the month it starts in; held: ended and not "
            "cancelled. Places offered: the seat limit, or the number of bookable slots (drop-in "
            "dates without a limit offer none). Registrations: confirmed registrations for "
            "dates held. Attended: people checked in, walk-ins without registration included. "
            "Attendance rate: of the registered whose attendance was recorded, the share who "
            "came. Different people: each person once however many dates they came to."
        ),
        t.gettext(
            "Lead times: days from registration to the first activity, to the first job "
            "proposal and to an outcome, for those who reached the step in the period (median)."
        ),
        t.gettext(
            "Ideas and wishes: ideas sent to the programme in the period; realised: those since "
            "marked realised."
        ),
    ]


def content(t: Translator, f: Figures) -> Content:
    month_name = format_date(date.fromisoformat(f"{f.month}-01"), "LLLL y", locale=t.locale)
    head, rows = series_table(t, f)
    return Content(
        title=t.gettext("Report to the city board: %(month)s", month=month_name),
        month_name=month_name,
        year=f.month[:4],
        key_rows=key_rows(t, f),
        blocks=blocks(t, f, month_name),
        series_caption=t.gettext(
            "Attendance by series, the year %(year)s so far", year=f.month[:4]
        ),
        series_head=head,
        series_rows=rows,
        notes=notes(t),
        as_of=datetime.fromisoformat(f.year["as_of"]),
    )
