"""Add translations to one area's catalogues: `python tools/po.py AREA TABLE.json`, where the
table is {"English message": ["suomeksi", "på svenska"], ...}; a plural message is written
{"one %(n)s thing": {"plural": "%(n)s things", "fi": ["…", "…"], "sv": ["…", "…"]}}.
Existing entries are kept (a message in the table replaces its old translation)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

LOCALES = Path(__file__).resolve().parents[1] / "src" / "voimala_portal" / "locales"


def write(area: str, table: dict[str, object]) -> None:
    for index, language in enumerate(("fi", "sv")):
        path = LOCALES / language / f"{area}.po"
        catalog = Catalog(locale=language, project="voimala-portal", domain=area)
        if path.exists():
            with path.open("rb") as f:
                for message in read_po(f, locale=language):
                    if message.id:
                        catalog.add(message.id, message.string)
        for msgid, translated in table.items():
            if isinstance(translated, dict):
                catalog.add((msgid, translated["plural"]), tuple(translated[language]))
            else:
                catalog.add(msgid, translated[index])  # type: ignore[index]
        with path.open("wb") as f:
            write_po(f, catalog, width=100, sort_output=True)


if __name__ == "__main__":
    write(sys.argv[1], json.loads(Path(sys.argv[2]).read_text("utf-8")))
