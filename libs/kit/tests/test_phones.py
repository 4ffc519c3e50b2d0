"""One way to keep a phone number, for every service that takes one."""

from __future__ import annotations

import pytest
from voimala_kit.phones import to_e164


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("040 123 4567", "+358401234567"),
        ("+358 40 123 4567", "+358401234567"),
        ("(040) 123-4567", "+358401234567"),
        ("+46 70 123 45 67", "+46701234567"),
    ],
)
def test_a_number_is_kept_in_e164_read_in_finland_by_default(given: str, kept: str) -> None:
    assert to_e164(given) == kept


@pytest.mark.parametrize("given", ["call me", "040 12", "1234567890123456789012345"])
def test_what_is_not_a_number_is_refused_without_repeating_it(given: str) -> None:
    with pytest.raises(
        ValueError, match=r"not a valid phone number|not a phone number|only digits"
    ) as err:
        to_e164(given)
    assert given not in str(err.value)
