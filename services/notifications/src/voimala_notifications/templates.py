"""Message templates per language (fi, sv, en; Finnish when a language has none).

One file per message and language, `<name>.<lang>.j2`, with blocks `subject`, `text` (the
plain-text e-mail and the inbox) and, for messages that may go by SMS, `sms`. The HTML e-mail
is made from the text (escaped, paragraphs, links clickable), so no template can inject markup.

Rendered in Jinja's sandbox with strict undefined variables: a template that needs a value
it was not given fails loudly (in the test suite), never half-rendered to a person.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateNotFound
from jinja2.sandbox import SandboxedEnvironment

from .clock import HELSINKI

LANGUAGES = ("fi", "sv", "en")
FALLBACK = "fi"
FOLDER = Path(__file__).parent / "templates"
_URL = re.compile(r"(https?://[^\s<]+)")


@dataclass(frozen=True)
class Rendered:
    language: str
    subject: str
    text: str
    html: str = ""
    sms: str | None = None


def _local(value: datetime | str) -> str:
    """A moment as people in Salo read it: 27.11.2026 18.00 (Helsinki time)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(HELSINKI).strftime("%-d.%-m.%Y %H.%M")


def _date(value: datetime | str) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(HELSINKI).strftime("%-d.%-m.%Y")


def to_html(subject: str, text: str) -> str:
    paragraphs = []
    for block in text.split("\n\n"):
        escaped = html.escape(block)
        linked = _URL.sub(r'<a href="\1">\1</a>', escaped)
        paragraphs.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head>\n"
        '<body style="font-family: sans-serif; line-height: 1.5">\n'
        + "\n".join(paragraphs)
        + "\n</body></html>\n"
    )


class Templates:
    def __init__(self, folder: Path = FOLDER) -> None:
        self._env = SandboxedEnvironment(
            loader=FileSystemLoader(folder),
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
        )
        self._env.filters["local"] = _local
        self._env.filters["date"] = _date
        # Load every template now, so that a syntax error stops the service at start.
        for name in self._env.list_templates(extensions=["j2"]):
            self._env.get_template(name)

    def names(self) -> set[str]:
        return {name.split(".", 1)[0] for name in self._env.list_templates(extensions=["j2"])}

    def has_sms(self, name: str, language: str) -> bool:
        return "sms" in self._template(name, language)[1].blocks

    def _template(self, name: str, language: str) -> tuple[str, Any]:
        lang = language if language in LANGUAGES else FALLBACK
        try:
            return lang, self._env.get_template(f"{name}.{lang}.j2")
        except TemplateNotFound:
            return FALLBACK, self._env.get_template(f"{name}.{FALLBACK}.j2")

    def render(self, name: str, language: str, values: dict[str, Any]) -> Rendered:
        lang, template = self._template(name, language)
        context = template.new_context(values)
        subject = "".join(template.blocks["subject"](context)).strip()
        text = "".join(template.blocks["text"](context)).strip()
        sms = None
        if "sms" in template.blocks:
            sms = " ".join("".join(template.blocks["sms"](context)).split())
        return Rendered(lang, subject, text, to_html(subject, text), sms)
