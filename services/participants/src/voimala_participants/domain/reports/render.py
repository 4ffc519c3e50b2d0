"""A report as CSV for spreadsheets and as an SVG chart for the city board."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Mapping
from datetime import date
from xml.sax.saxutils import escape, quoteattr

import matplotlib

matplotlib.use("Agg")  # no display: render to files only
matplotlib.rcParams["svg.hashsalt"] = "voimala"  # the same report gives the same file
# Text as <text>, not as glyph paths: screen readers, search and copying can read it.
matplotlib.rcParams["svg.fonttype"] = "none"
from matplotlib.axes import Axes  # noqa: E402 - after choosing the backend
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from .figures import Report  # noqa: E402

#: Finnish Excel reads `;` as the separator (`,` is its decimal mark) and needs the BOM to
#: read UTF-8: with both, the file opens right by double-click in Excel and in LibreOffice.
CSV_SEPARATOR = ";"
BOM = "\ufeff"


def _number(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".").replace(".", ",")
    return str(value)


def _rows(report: Report) -> list[tuple[str, str, str]]:
    sections: dict[str, Mapping[str, object]] = {
        "entries": report["entries"],
        "exits": report["exits"],
        "follow_ups": report["follow_ups"],
        "service_point": report["service_point"],
        "lead_times_days": report["lead_times_days"],
    }
    rows: list[tuple[str, str, str]] = []
    for section, figures in sections.items():
        for key, value in figures.items():
            if isinstance(value, Mapping):
                rows.extend((section, f"{key}.{k}", _number(v)) for k, v in value.items())
            else:
                rows.append((section, key, _number(value)))
    return rows


def to_csv(report: Report) -> str:
    """One figure a row: its code key (what programs read), its value, and its Finnish name
    (what a person reads), last so that clients reading the first three columns keep working."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=CSV_SEPARATOR, lineterminator="\r\n")
    writer.writerow(["section", "figure", "value", "nimike"])
    rows = [
        ("period", "start", str(report["period"]["start"])),
        ("period", "end", str(report["period"]["end"])),
        ("period", "as_of", str(report["as_of"])),
        *_rows(report),
    ]
    writer.writerows((s, f, v, figure_label(s, f)) for s, f, v in rows)
    return out.getvalue()


def figure_label(section: str, figure: str) -> str:
    """The figure's Finnish name: "entries", "by_gender.female" -> "Aloittaneet: sukupuoli:
    nainen"."""
    parts = [_SECTIONS.get(section, section)]
    parts += [_FIGURES.get(k) or _LABELS.get(k, k) for k in figure.split(".")]
    return ": ".join(parts)


def finnish_date(value: object) -> str:
    """d.m.yyyy, as Finnish is written (1.3.2026), from a date or its ISO text."""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{day.day}.{day.month}.{day.year}"


# Chart labels in Finnish, the city board's language.
_TITLES = {
    "by_age_group": "Aloittaneet ikäryhmittäin",
    "by_target_group": "Aloittaneet kohderyhmittäin",
    "by_outcome": "Päättyneet tuloksen mukaan",
    "by_purpose": "Käynnit Voimalassa asioittain",
}
_LABELS = {
    "under_30": "alle 30",
    "30_54": "30-54",
    "55_plus": "55+",
    "unknown": "ei tiedossa",
    "subsidy_500_plus": "tuki ≥ 500 pv",
    "subsidy_300_499": "tuki 300-499 pv",
    "referred_by_staff": "ohjattu",
    "none": "ei ryhmää",
    "employed": "työllistyi",
    "pay_subsidised_job": "palkkatuki",
    "work_trial": "työkokeilu",
    "apprenticeship": "oppisopimus",
    "education": "koulutus",
    "other": "muu",
    "job_search": "työnhaku",
    "counselling": "ohjaus",
    "language_cafe": "kielikahvila",
    "workshop": "työpaja",
    "digital_help": "digituki",
    "information": "neuvonta",
    "female": "nainen",
    "male": "mies",
    "isced_0_2": "perusaste (ISCED 0-2)",
    "isced_3_4": "toinen aste (ISCED 3-4)",
    "isced_5_8": "korkea-aste (ISCED 5-8)",
}
_SECTIONS = {
    "period": "Kausi",
    "entries": "Aloittaneet",
    "exits": "Päättyneet",
    "follow_ups": "Seuranta",
    "service_point": "Käynnit Voimalassa",
    "lead_times_days": "Viiveet (päivää)",
}
_FIGURES = {
    "start": "alkaa",
    "end": "päättyy",
    "as_of": "tilanne",
    "total": "yhteensä",
    "new_participants": "uudet osallistujat",
    "returning": "palaavat",
    "youth": "nuoret (alle 30)",
    "youth_share": "nuorten osuus",
    "by_gender": "sukupuoli",
    "by_age_group": "ikäryhmä",
    "by_education": "koulutustaso",
    "by_target_group": "kohderyhmä",
    "by_outcome": "tulos",
    "by_purpose": "asia",
    "visits": "käynnit",
    "identified": "tunnistetut",
    "anonymous": "nimettömät",
    "registration_to_first_activity": "rekisteröinnistä ensimmäiseen toimintaan",
    "registration_to_first_proposal": "rekisteröinnistä ensimmäiseen ehdotukseen",
    "registration_to_outcome": "rekisteröinnistä tulokseen",
    "count": "lukumäärä",
    "median": "mediaani",
    "mean": "keskiarvo",
}
# Figures are built without pyplot (no global state); the lock keeps font caches safe.
_LOCK = threading.Lock()


def to_svg(report: Report) -> bytes:
    """The four panels as one SVG image, its text as text, with a title and a description
    that say in words what the bars show."""
    panels: list[Mapping[str, int]] = [
        report["entries"]["by_age_group"],
        report["entries"]["by_target_group"],
        report["exits"]["by_outcome"],
        report["service_point"]["by_purpose"],
    ]
    keys = ["by_age_group", "by_target_group", "by_outcome", "by_purpose"]
    period = report["period"]
    span = f"{finnish_date(period['start'])}\u2013{finnish_date(period['end'])}"  # en dash
    title = f"VOITTO ja Voimala 2.0: {span}"
    totals = (
        f"aloittaneita {report['entries']['total']}, päättyneitä "
        f"{report['exits']['total']}, käyntejä {report['service_point']['visits']}"
    )
    with _LOCK:
        fig = Figure(figsize=(11, 7.5))
        fig.suptitle(f"{title}  ({totals})")
        for i, (key, data) in enumerate(zip(keys, panels, strict=True)):
            _panel(fig.add_subplot(2, 2, i + 1), key, data)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="svg", metadata={"Date": None})
    described = [f"{title}: {totals}."]
    described += [
        f"{_TITLES[k]}: " + ", ".join(f"{_LABELS.get(c, c)} {n}" for c, n in d.items()) + "."
        for k, d in zip(keys, panels, strict=True)
    ]
    return _accessible(out.getvalue(), title, " ".join(described))


def _panel(ax: Axes, key: str, data: Mapping[str, int]) -> None:
    labels = [_LABELS.get(k, k) for k in data]
    ax.barh(labels, list(data.values()), color="#2a6f97")
    ax.set_title(_TITLES[key])
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if not any(data.values()):
        # Without this matplotlib centres an axis of nothing on 0 (-0.045..0.045).
        ax.set_xlim(0, 1)
        ax.text(0.5, 0.5, "ei tietoja", transform=ax.transAxes, ha="center", va="center")


def _accessible(svg: bytes, title: str, description: str) -> bytes:
    """An image to assistive technology, named by its <title> and described by its <desc>."""
    head, tag, rest = svg.partition(b"<svg ")
    opened, close, body = rest.partition(b">")
    named = f'<title id="chart-title">{escape(title)}</title><desc id="chart-desc">'
    named += f"{escape(description)}</desc>"
    role = f'role="img" aria-labelledby="chart-title" aria-describedby={quoteattr("chart-desc")} '
    return head + tag + role.encode() + opened + close + named.encode() + body
