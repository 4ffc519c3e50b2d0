"""Texts in the programme's languages: Finnish always, Swedish and English when given."""

from __future__ import annotations

from typing import TypeAlias

from voimala_contracts.scheduling import Texts

#: A text as stored (jsonb) and answered: {"fi": …, "sv": …, "en": …}.
TextsByLanguage: TypeAlias = dict[str, str | None]

LANGUAGES = ("fi", "sv", "en")


def texts(value: TextsByLanguage) -> Texts:
    """The text as events carry it."""
    return Texts(fi=value.get("fi") or "", sv=value.get("sv"), en=value.get("en"))


def pick(value: TextsByLanguage, lang: str) -> str:
    """The text in `lang`, else in Finnish."""
    return str(value.get(lang) or value.get("fi") or "")
