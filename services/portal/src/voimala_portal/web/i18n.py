"""Finnish, Swedish and English: gettext catalogues (one `.po` file per area of the portal,
merged per language), the language of a request, and formatting of dates and numbers.

Message ids are English; `fi` and `sv` have a catalogue each and English falls back to the id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal, get_args

from babel.dates import format_date, format_datetime, format_time
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from voimala_kit.clock import HELSINKI

Language = Literal["fi", "sv", "en"]
LANGUAGES: Final[tuple[Language, ...]] = get_args(Language)
DEFAULT: Final[Language] = "fi"
LOCALES = Path(__file__).resolve().parents[1] / "locales"
#: The language names as each language writes its own (for the language switch).
NATIVE_NAMES: Final[Mapping[Language, str]] = {
    "fi": "Suomeksi",
    "sv": "På svenska",
    "en": "In English",
}


def parse_language(value: str | None) -> Language | None:
    if value in LANGUAGES:
        return value
    return None


def from_accept_language(header: str | None) -> Language | None:
    """The first of our languages in an Accept-Language header (weights in order given)."""
    for part in (header or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if (language := parse_language(tag)) is not None:
            return language
    return None


@cache
def catalogue(language: Language) -> Mapping[str, str | tuple[str, ...]]:
    """Every translated message of `language`, from all of its `.po` files."""
    messages: dict[str, str | tuple[str, ...]] = {}
    for path in sorted((LOCALES / language).glob("*.po")):
        with path.open("rb") as f:
            for message in read_po(f, locale=language):
                if not message.id or not message.string:
                    continue
                key = message.id if isinstance(message.id, str) else message.id[0]
                value = message.string
                messages[key] = value if isinstance(value, str) else tuple(value)
    return messages


@dataclass(frozen=True)
class Translator:
    """`_` and `ngettext` for one language; `%(name)s` placeholders filled from keywords."""

    language: Language

    @property
    def locale(self) -> str:
        """For dates and numbers: English as written in Europe (14:00, 1 December 2026)."""
        return "en_GB" if self.language == "en" else self.language

    def gettext(self, message: str, **values: Any) -> str:
        found = catalogue(self.language).get(message) if self.language != "en" else None
        text = found if isinstance(found, str) else message
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        found = catalogue(self.language).get(singular) if self.language != "en" else None
        if isinstance(found, tuple) and found:
            text = found[0] if n == 1 else found[min(1, len(found) - 1)]
        else:
            text = singular if n == 1 else plural
        return text % {"n": n, **values}

    # Dates and numbers as people of the language write them, in Helsinki time.
    def date(self, value: dt.date | dt.datetime | None, form: str = "medium") -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = value.astimezone(HELSINKI)
        return format_date(value, form, locale=self.locale)

    def time(self, value: dt.datetime | None) -> str:
        return (
            ""
            if value is None
            else format_time(value.astimezone(HELSINKI), "short", locale=self.locale)
        )

    def datetime(self, value: dt.datetime | None, form: str = "medium") -> str:
        if value is None:
            return ""
        return format_datetime(value.astimezone(HELSINKI), form, locale=self.locale)

    def weekday_date(self, value: dt.date | dt.datetime) -> str:
        if isinstance(value, dt.datetime):
            value = value.astimezone(HELSINKI)
        return format_date(
            value, "EEEE d.M." if self.language != "en" else "EEEE d MMMM", locale=self.locale
        )

    def number(self, value: float | int) -> str:
        return format_decimal(value, locale=self.locale)
