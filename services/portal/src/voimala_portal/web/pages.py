"""Rendering a page: one Jinja environment, the request's language and person in every page."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from voimala_contracts.vocabulary import vocabulary

from .i18n import LANGUAGES, NATIVE_NAMES, Language, Translator

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "svg"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
#: The skills vocabulary's labels in a language: the forms' suggestions (`layout/skills.html`).
environment.globals["skill_suggestions"] = lambda language: vocabulary().suggestions(language)
#: Skills as the vocabulary's keys, said in a language (free text as written).
environment.globals["skill_names"] = lambda keys, language: ", ".join(
    vocabulary().label(str(k), language) for k in keys
)


def language_of(request: Request) -> Language:
    language: Language = request.state.language
    return language


def translator(request: Request) -> Translator:
    return Translator(language_of(request))


def url_in(request: Request, language: str) -> str:
    """This page in another language (the switch keeps the rest of the query)."""
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    query["lang"] = language
    return f"{request.url.path}?{urlencode(query)}"


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    t = translator(request)
    values: dict[str, Any] = {
        "request": request,
        "lang": t.language,
        "t": t,
        "_": t.gettext,
        "ngettext": t.ngettext,
        "csrf_token": request.state.csrf,
        "user": getattr(request.state, "user", None),
        "languages": [(code, NATIVE_NAMES[code], url_in(request, code)) for code in LANGUAGES],
        "errors": {},
        "values": {},
    }
    values.update(context or {})
    html = environment.get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))
