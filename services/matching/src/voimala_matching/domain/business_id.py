"""The Finnish business ID (Y-tunnus): seven digits, a hyphen and a check digit."""

from __future__ import annotations

import re

_FORMAT = re.compile(r"^(\d{7})-(\d)$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def is_valid_business_id(value: str) -> bool:
    """Weights 7,9,10,5,8,4,2 mod 11: remainder 0 gives 0, 1 is never issued, else 11 - r."""
    m = _FORMAT.match(value)
    if m is None:
        return False
    digits, check = m.group(1), int(m.group(2))
    remainder = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=True)) % 11
    if remainder == 1:
        return False
    return check == (0 if remainder == 0 else 11 - remainder)
