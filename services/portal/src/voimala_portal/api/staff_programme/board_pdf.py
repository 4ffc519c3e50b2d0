"""The city board's report as a PDF, made here with fpdf2 (pure Python): A4, the document's
title, language, author and subject in its metadata, an outline (bookmarks) of its sections,
and every chart drawn as bars with each figure, legend and category written as real text
(never as paths), the same figures in a table after it. Helvetica (the PDF's own font, no
font file to ship): it writes Finnish and Swedish; any other character becomes its nearest
Latin-1 one (a question mark where there is none)."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from fpdf import FPDF, ViewerPreferences
from fpdf.fonts import FontFace

from ...web.i18n import Translator
from .board_charts import COLOURS, Chart
from .board_content import Content

FONT = "helvetica"
#: Characters Helvetica lacks, written as their nearest.
_NEAREST = {
    "\N{EN DASH}": "-",
    "\N{EM DASH}": "-",
    "\N{MINUS SIGN}": "-",
    "\N{RIGHT SINGLE QUOTATION MARK}": "'",
    "\N{LEFT SINGLE QUOTATION MARK}": "'",
    "\N{LEFT DOUBLE QUOTATION MARK}": '"',
    "\N{RIGHT DOUBLE QUOTATION MARK}": '"',
    "\N{NARROW NO-BREAK SPACE}": "\N{NO-BREAK SPACE}",
    "\N{HORIZONTAL ELLIPSIS}": "...",
}
CHART_HEIGHT = 42.0
HEAD = FontFace(emphasis="BOLD", fill_color=(232, 238, 244))


def latin(text: str) -> str:
    """The text in the characters Helvetica has (Latin-1)."""
    out = []
    for ch in text:
        if ord(ch) < 256:
            out.append(ch)
        elif ch in _NEAREST:
            out.append(_NEAREST[ch])
        else:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


class _Report(FPDF):
    def __init__(self, t: Translator) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.t = t

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.cell(0, 6, latin(self.t.gettext("Page %(n)s", n=self.page_no())), align="C")


def _heading(pdf: FPDF, text: str, level: int = 1, room: float = 20) -> None:
    if pdf.get_y() + room > pdf.page_break_trigger:
        pdf.add_page()
    pdf.start_section(latin(text), level=level)
    pdf.set_font(FONT, "B", 16 if level == 0 else 12)
    pdf.multi_cell(0, 7, latin(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font(FONT, size=9)


def _table(pdf: FPDF, head: list[str], rows: list[tuple[str, list[str]]], first: float) -> None:
    columns = len(head)
    rest = (pdf.epw - first) / max(columns, 1)
    pdf.set_font(FONT, size=9)
    pdf.set_fill_color(255, 255, 255)  # a chart's last bar colour is no row's background
    with pdf.table(
        col_widths=(first, *([rest] * columns)),
        width=pdf.epw,
        text_align=("LEFT", *(["RIGHT"] * columns)),
        headings_style=HEAD,
        line_height=5,
        padding=1,
    ) as table:
        top = table.row()
        for h in ["", *head]:
            top.cell(latin(h))
        for label, cells in rows:
            row = table.row()
            for c in [label, *cells]:
                row.cell(latin(c))
    pdf.ln(3)


def _legend(pdf: FPDF, chart: Chart, y: float) -> None:
    if len(chart.series) < 2:
        return
    x = pdf.l_margin
    pdf.set_font(FONT, size=8)
    for n, s in enumerate(chart.series):
        pdf.set_fill_color(*_rgb(COLOURS[n % len(COLOURS)]))
        pdf.rect(x, y + 0.8, 3, 3, style="F")
        pdf.text(x + 4.5, y + 3.5, latin(s.name))
        x += 10 + pdf.get_string_width(latin(s.name))


def _bar(pdf: FPDF, chart: Chart, n: int, i: int, box: tuple[float, float, float, float]) -> None:
    """One bar with its value written above it (a dash where there is nothing to count)."""
    x, base, width, top = box
    value = chart.series[n].values[i]
    h = CHART_HEIGHT * float(value or 0) / top
    pdf.set_fill_color(*_rgb(COLOURS[n % len(COLOURS)]))
    if h > 0:
        pdf.rect(x, base - h, width, h, style="F")
    label = chart.none if value is None else chart.fmt(value)  # type: ignore[operator]
    pdf.set_font(FONT, size=7)
    pdf.set_xy(x - 4, base - h - 4.5)
    pdf.cell(width + 8, 4, latin(str(label)), align="C")


def chart(pdf: FPDF, c: Chart) -> None:
    """Grouped vertical bars: legend, bars with their values, the categories under them."""
    if pdf.get_y() + CHART_HEIGHT + 26 > pdf.page_break_trigger:
        pdf.add_page()
    y = pdf.get_y()
    _legend(pdf, c, y)
    base = y + 10 + CHART_HEIGHT
    values = [v for s in c.series for v in s.values if v is not None]
    top = float(max(values, default=0)) or 1.0
    step = pdf.epw / max(len(c.categories), 1)
    width = min(9.0, step * 0.8 / max(len(c.series), 1))
    pdf.set_draw_color(51, 51, 51)
    pdf.line(pdf.l_margin, base, pdf.l_margin + pdf.epw, base)
    for i, category in enumerate(c.categories):
        x0 = pdf.l_margin + i * step + (step - width * len(c.series)) / 2
        for n in range(len(c.series)):
            _bar(pdf, c, n, i, (x0 + n * width, base, width - 0.6, top))
        pdf.set_font(FONT, size=7)
        pdf.set_xy(pdf.l_margin + i * step, base + 1)
        pdf.multi_cell(step, 3.2, latin(category), align="C")
    pdf.set_xy(pdf.l_margin, base + 10)


def _setup(t: Translator, report: Content, now: datetime) -> _Report:
    pdf = _Report(t)
    pdf.set_title(latin(report.title))
    pdf.set_lang(t.language)
    pdf.set_subject(latin(t.gettext("Report to the city board")))
    pdf.set_author("Voimala")
    pdf.set_creator("Voimala portal")
    pdf.set_creation_date(now)
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    pdf.set_margins(16, 15, 16)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    return pdf


def render_pdf(t: Translator, report: Content, now: datetime) -> bytes:
    pdf = _setup(t, report, now)
    _heading(pdf, report.title, level=0)
    lead = t.gettext(
        "The VOITTO employment programme and the Voimala service point in Salo main library: "
        "the month and the year so far. Only totals: no one can be recognised from them."
    )
    pdf.multi_cell(0, 5, latin(lead), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _heading(pdf, t.gettext("Key figures"))
    head = [report.month_name, t.gettext("Year so far")]
    _table(pdf, head, [(label, [a, b]) for label, a, b in report.key_rows], pdf.epw - 76)
    for block in report.blocks:
        _heading(pdf, block.caption, room=CHART_HEIGHT + 40)
        chart(pdf, block.data)
        _table(pdf, block.head, block.rows, 50)
    if report.series_rows:
        _heading(pdf, report.series_caption, room=40)
        _table(pdf, report.series_head, report.series_rows, 52)
    _heading(pdf, t.gettext("How the figures are counted"))
    for note in report.notes:
        pdf.multi_cell(0, 4.5, latin(f"- {note}"), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    stamp = t.gettext("Counted from what was recorded by %(time)s.", time=t.datetime(report.as_of))
    pdf.multi_cell(0, 5, latin(stamp), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
