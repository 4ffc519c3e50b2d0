"""The monthly programme as one printable A4 poster, in Finnish, Swedish or English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from .programme import PublicItem, days_of
from .texts import LANGUAGES, pick

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

#: Counted words are (one, many): after a number Finnish takes the partitive singular
#: ("3 varattavaa aikaa", never the plural "varattavia aikoja"), Swedish and English the plural.
WORDS: dict[str, dict[str, Any]] = {
    "fi": {
        "heading": "Voimalan ohjelma",
        "months": "tammikuu helmikuu maaliskuu huhtikuu toukokuu kesäkuu heinäkuu elokuu "
        "syyskuu lokakuu marraskuu joulukuu",
        "weekdays": "ma ti ke to pe la su",
        "cancelled": "PERUTTU",
        "drop_in": "Vapaa pääsy, ei ilmoittautumista",
        "register": "Ilmoittaudu",
        "seats": ("paikka vapaana", "paikkaa vapaana"),
        "slots": ("varattava aika", "varattavaa aikaa"),
        "youth": "nuorille",
        "participants": "VOITTO-osallistujille",
        "empty": "Tälle kuulle ei ole vielä ohjelmaa.",
        "footer": "Palvelupiste Voimala, Salon pääkirjaston kahvila. Tervetuloa!",
    },
    "sv": {
        "heading": "Voimalas program",
        "months": "januari februari mars april maj juni juli augusti september oktober "
        "november december",
        "weekdays": "må ti on to fr lö sö",
        "cancelled": "INSTÄLLT",
        "drop_in": "Fritt inträde, ingen anmälan",
        "register": "Anmäl dig",
        "seats": ("plats kvar", "platser kvar"),
        "slots": ("bokningsbar tid", "bokningsbara tider"),
        "youth": "för unga",
        "participants": "för VOITTO-deltagare",
        "empty": "Programmet för månaden är inte klart ännu.",
        "footer": "Servicepunkten Voimala, Salo huvudbiblioteks café. Välkommen!",
    },
    "en": {
        "heading": "Voimala programme",
        "months": "January February March April May June July August September October "
        "November December",
        "weekdays": "Mon Tue Wed Thu Fri Sat Sun",
        "cancelled": "CANCELLED",
        "drop_in": "Drop in, no registration",
        "register": "Register",
        "seats": ("seat left", "seats left"),
        "slots": ("bookable slot", "bookable slots"),
        "youth": "for young people",
        "participants": "for VOITTO participants",
        "empty": "The programme for this month is not ready yet.",
        "footer": "Voimala service point, Salo main library café. Welcome!",
    },
}


def counted(n: int, forms: tuple[str, str]) -> str:
    """`n` and the word in the form a number takes: "1 varattava aika", "3 varattavaa aikaa"."""
    return f"{n} {forms[0] if n == 1 else forms[1]}"


def render(year: int, month: int, items: list[PublicItem], lang: str) -> str:
    """The month's poster in `lang`, autoescaped."""
    words = WORDS[lang]
    return _ENV.get_template("programme.html").render(
        lang=lang,
        w=words,
        month_name=words["months"].split()[month - 1],
        year=year,
        month=f"{year:04d}-{month:02d}",
        days=days_of(items),
        weekdays=words["weekdays"].split(),
        pick=pick,
        counted=counted,
        languages=LANGUAGES,
    )
