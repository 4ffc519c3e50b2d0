"""Message templates per language (fi, sv, en; Finnish when a language has none).

Rendered in Jinja's sandbox with strict undefined variables: a template that needs a value
it was not given fails loudly (in the test suite), never half-rendered to a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateNotFound
from jinja2.sandbox import SandboxedEnvironment

LANGUAGES = ("fi", "sv", "en")
FALLBACK = "fi"
FOLDER = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Rendered:
    language: str
    subject: str
    text: str


class Templates:
    def __init__(self, folder: Path = FOLDER) -> None:
        self._env = SandboxedEnvironment(
            loader=FileSystemLoader(folder),
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
        )
        # Load every template now, so that a syntax error stops the service at start.
        for name in self._env.list_templates(extensions=["j2"]):
            self._env.get_template(name)

    def render(self, name: str, language: str, values: dict[str, Any]) -> Rendered:
        lang = language if language in LANGUAGES else FALLBACK
        try:
            template = self._env.get_template(f"{name}.{lang}.j2")
        except TemplateNotFound:
            lang = FALLBACK
            template = self._env.get_template(f"{name}.{lang}.j2")
        context = template.new_context(values)
        subject = "".join(template.blocks["subject"](context)).strip()
        text = "".join(template.blocks["text"](context)).strip()
        return Rendered(lang, subject, text)
