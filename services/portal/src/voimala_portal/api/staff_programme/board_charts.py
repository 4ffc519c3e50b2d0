"""Bar charts for the city board's report, as inline SVG that a screen reader and a printer
both read: every word is real `<text>` (never glyphs drawn as paths), the `<svg>` is
`role="img"` named by its `<title>` and described by its `<desc>` (every bar's figure in
words), and each bar carries its value written above it, so colour is never the only cue.
The page puts the same figures in a table beside each chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

#: Bar colours (AA contrast against white, told apart by the legend and the written values).
COLOURS = ("#005a9c", "#b34700", "#2e7d32")
WIDTH = 640
TOP = 40
BOTTOM = 56
PLOT = 200


@dataclass(frozen=True)
class Series:
    name: str
    #: None: nothing to count (drawn as no bar, written as `none`).
    values: Sequence[float | None]


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    #: The figures in words: read by a screen reader instead of the drawing.
    desc: str
    categories: Sequence[str]
    series: Sequence[Series]
    #: How a value is written on its bar (the page's language).
    fmt: object = str
    #: What a bar with nothing to count says.
    none: str = "\N{EN DASH}"


def _scale(chart: Chart) -> float:
    top = max((v for s in chart.series for v in s.values if v is not None), default=0)
    return float(top) if top > 0 else 1.0


def _legend(chart: Chart) -> list[str]:
    if len(chart.series) < 2:
        return []
    parts, x = [], 0
    for n, s in enumerate(chart.series):
        colour = COLOURS[n % len(COLOURS)]
        parts.append(f'<rect x="{x}" y="8" width="14" height="14" fill="{colour}"/>')
        parts.append(f'<text x="{x + 20}" y="20" font-size="15">{escape(s.name)}</text>')
        x += 44 + 9 * len(s.name)
    return parts


def _bars(chart: Chart, left: int) -> list[str]:
    top = _scale(chart)
    groups = max(len(chart.categories), 1)
    step = (WIDTH - left) / groups
    width = min(48.0, step * 0.8 / max(len(chart.series), 1))
    parts = []
    for i, category in enumerate(chart.categories):
        x0 = left + i * step + (step - width * len(chart.series)) / 2
        for n, s in enumerate(chart.series):
            value = s.values[i]
            h = PLOT * float(value or 0) / top
            x, y = x0 + n * width, TOP + PLOT - h
            colour = COLOURS[n % len(COLOURS)]
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{width - 2:.1f}" height="{h:.1f}" '
                f'fill="{colour}"/>'
            )
            label = escape(chart.none if value is None else chart.fmt(value))  # type: ignore[operator]
            parts.append(
                f'<text x="{x + width / 2 - 1:.1f}" y="{y - 4:.1f}" font-size="14" '
                f'text-anchor="middle">{label}</text>'
            )
        parts.append(_category(category, left + i * step + step / 2))
    return parts


def _lines(label: str, most: int = 14) -> list[str]:
    """A long label on two lines, broken between words."""
    if len(label) <= most or " " not in label:
        return [label]
    words, first = label.split(" "), ""
    while words and len(f"{first} {words[0]}".strip()) <= most:
        first = f"{first} {words.pop(0)}".strip()
    if not first:
        first = words.pop(0)
    return [first, " ".join(words)] if words else [first]


def _category(label: str, centre: float) -> str:
    spans = "".join(
        f'<tspan x="{centre:.1f}" dy="{0 if n == 0 else 16}">{escape(line)}</tspan>'
        for n, line in enumerate(_lines(label))
    )
    return (
        f'<text x="{centre:.1f}" y="{TOP + PLOT + 20}" font-size="14" '
        f'text-anchor="middle">{spans}</text>'
    )


def bar_chart(chart: Chart) -> Markup:
    """Vertical bars, grouped by category when there is more than one series."""
    height = TOP + PLOT + BOTTOM
    left = 8
    axis = (
        f'<line x1="{left}" y1="{TOP + PLOT}" x2="{WIDTH}" y2="{TOP + PLOT}" '
        'stroke="#333" stroke-width="1"/>'
    )
    body = "".join([*_legend(chart), axis, *_bars(chart, left)])
    cid = escape(chart.id)
    return Markup(  # noqa: S704 - every word in it is escaped above
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="board-chart" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{cid}-title {cid}-desc" font-family="sans-serif" fill="#1a1a1a">'
        f'<title id="{cid}-title">{escape(chart.title)}</title>'
        f'<desc id="{cid}-desc">{escape(chart.desc)}</desc>'
        f"{body}</svg>"
    )
