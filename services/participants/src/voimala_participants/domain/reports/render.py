"""A report as CSV for spreadsheets and as an SVG chart for the city board."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")  # no display: render to files only
matplotlib.rcParams["svg.hashsalt"] = "voimala"  # the same report gives the same file
from matplotlib.figure import Figure  # noqa: E402 - after choosing the backend
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
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=CSV_SEPARATOR, lineterminator="\r\n")
    writer.writerow(["section", "figure", "value"])
    writer.writerow(["period", "start", report["period"]["start"]])
    writer.writerow(["period", "end", report["period"]["end"]])
    writer.writerow(["period", "as_of", report["as_of"]])
    writer.writerows(_rows(report))
    return out.getvalue()


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
}
# Figures are built without pyplot (no global state); the lock keeps font caches safe.
_LOCK = threading.Lock()


def to_svg(report: Report) -> bytes:
    panels: list[Mapping[str, int]] = [
        report["entries"]["by_age_group"],
        report["entries"]["by_target_group"],
        report["exits"]["by_outcome"],
        report["service_point"]["by_purpose"],
    ]
    keys = ["by_age_group", "by_target_group", "by_outcome", "by_purpose"]
    period = report["period"]
    with _LOCK:
        fig = Figure(figsize=(11, 7.5))
        fig.suptitle(
            f"VOITTO ja Voimala 2.0: {period['start']} - {period['end']}  "
            f"(aloittaneita {report['entries']['total']}, päättyneitä "
            f"{report['exits']['total']}, käyntejä {report['service_point']['visits']})"
        )
        for i, (key, data) in enumerate(zip(keys, panels, strict=True)):
            ax = fig.add_subplot(2, 2, i + 1)
            labels = [_LABELS.get(k, k) for k in data]
            ax.barh(labels, list(data.values()), color="#2a6f97")
            ax.set_title(_TITLES[key])
            ax.invert_yaxis()
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()
