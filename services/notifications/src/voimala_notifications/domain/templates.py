"""Message templates per language (fi, sv, en; Finnish when a language has none).

One file per message and language, `<name>.<lang>.j2`, with blocks `subject`, `text` (the
plain-text e-mail and the inbox) and, for messages that may go by SMS, `sms`. The HTML e-mail
is made from the text (escaped, paragraphs, links clickable), so no template can inject markup.

Rendered in Jinja's sandbox with strict undefined variables: a template that needs a value
it was not given fails loudly (in the test suite), never half-rendered to a person.

Pure once made: the packaged files are read and compiled when `Templates` is made (at start,
so that a syntax error stops the service); rendering then only reads the compiled templates
in memory (no file is looked at again, not even for its modification time).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, Template, TemplateNotFound
from jinja2.runtime import new_context
from jinja2.sandbox import SandboxedEnvironment
from voimala_kit.clock import HELSINKI

LANGUAGES = ("fi", "sv", "en")
FALLBACK = "fi"
#: The package's message templates (package data beside `migrations/`, not a module).
FOLDER = Path(__file__).resolve().parents[1] / "templates"
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
    """The text as HTML: escaped, a paragraph per blank-line-separated block, its line breaks
    kept, its links clickable. Escaped and linked once for the whole text (no link or escape
    spans a line break, so this is the same as block by block, at a third of the cost)."""
    escaped = html.escape(text)
    if "://" in escaped:
        escaped = _URL.sub(r'<a href="\1">\1</a>', escaped)
    paragraphs = "</p>\n<p>".join(p.replace("\n", "<br>\n") for p in escaped.split("\n\n"))
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head>\n"
        '<body style="font-family: sans-serif; line-height: 1.5">\n'
        f"<p>{paragraphs}</p>"
        "\n</body></html>\n"
    )


class Templates:
    def __init__(self, folder: Path = FOLDER) -> None:
        env = SandboxedEnvironment(
            loader=FileSystemLoader(folder),
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
            auto_reload=False,
        )
        env.filters["local"] = _local
        env.filters["date"] = _date
        # Compile every template now, so that a syntax error stops the service at start.
        self._compiled: dict[str, Template] = {
            name: env.get_template(name) for name in env.list_templates(extensions=["j2"])
        }
        # The environment's globals (the sandbox's `range` and the like) once as a plain dict:
        # jinja merges its chained globals into every new context (and lists their names for
        # exports, which a block never reads): a fifth of a render.
        self._env = env
        self._globals = dict(env.globals)

    def names(self) -> set[str]:
        return {name.split(".", 1)[0] for name in self._compiled}

    def _template(self, name: str, language: str) -> tuple[str, Template]:
        lang = language if language in LANGUAGES else FALLBACK
        found = self._compiled.get(f"{name}.{lang}.j2")
        if found is not None:
            return lang, found
        fallback = f"{name}.{FALLBACK}.j2"
        if fallback not in self._compiled:
            raise TemplateNotFound(fallback)
        return FALLBACK, self._compiled[fallback]

    def render(self, name: str, language: str, values: dict[str, Any]) -> Rendered:
        lang, template = self._template(name, language)
        values = {**self._globals, **values}
        context = new_context(self._env, template.name, template.blocks, values, shared=True)
        subject = "".join(template.blocks["subject"](context)).strip()
        text = "".join(template.blocks["text"](context)).strip()
        sms = None
        if "sms" in template.blocks:
            sms = " ".join("".join(template.blocks["sms"](context)).split())
        return Rendered(lang, subject, text, to_html(subject, text), sms)
