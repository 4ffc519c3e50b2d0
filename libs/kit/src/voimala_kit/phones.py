"""Phone numbers as the platform keeps them: E.164, read with Finland's numbering by default
(`040 123 4567` → `+358401234567`). A guest's number in events and a participant's in the
registry are normalised the one way, so that notifications finds one person by one number."""

from __future__ import annotations

import re
from typing import Final

import phonenumbers

__all__ = ["PHONE_REGION", "to_e164"]

PHONE_REGION: Final = "FI"
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()./-]{5,30}$")


def to_e164(value: str) -> str:
    """The number in E.164, or ValueError naming the rule broken (never the number: the
    message goes back in problem details)."""
    # Letters are refused outright: phonenumbers would read them as a keypad's digits.
    if not _PHONE_CHARS.match(value):
        raise ValueError("only digits, spaces, + - ( ) . / are allowed")
    try:
        number = phonenumbers.parse(value, PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
