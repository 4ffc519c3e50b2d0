"""SMS length in segments: GSM 03.38 (7-bit) when every character fits, else UCS-2.

A GSM-7 message takes 160 septets alone or 153 per segment when concatenated; the extension
table's characters take two septets. UCS-2 takes 70 characters alone or 67 per segment, and a
character outside the Basic Multilingual Plane (an emoji) takes two units.
"""

from __future__ import annotations

from dataclasses import dataclass

_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_EXTENSION = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class Length:
    encoding: str  # "gsm7" or "ucs2"
    units: int  # septets or UTF-16 code units
    segments: int


def measure(text: str) -> Length:
    if all(c in _BASIC or c in _EXTENSION for c in text):
        units = sum(2 if c in _EXTENSION else 1 for c in text)
        single, part, encoding = 160, 153, "gsm7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part, encoding = 70, 67, "ucs2"
    if units <= single:
        return Length(encoding, units, 1 if units else 0)
    return Length(encoding, units, -(-units // part))
