"""Every message the portal shows, found in its code and templates (as Babel extracts them):
the translation test and `make messages` use this."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from babel.messages.extract import extract_from_dir

PACKAGE = Path(__file__).resolve().parents[1]
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
OPTIONS = {
    "templates/**.html": {
        "extensions": "jinja2.ext.i18n",
        "trim_blocks": "true",
        "lstrip_blocks": "true",
    }
}


def messages() -> Iterator[tuple[str, str, int]]:
    """(message id, file, line) for every translatable message; plurals give their singular."""
    for filename, line, message, _comments, _context in extract_from_dir(
        PACKAGE,
        METHODS,
        keywords=KEYWORDS,
        options_map=OPTIONS,
    ):
        text = message if isinstance(message, str) else message[0]
        if text:
            yield text, filename, line
