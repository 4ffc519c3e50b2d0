"""A guest's e-mail address is read as pydantic's `EmailStr` reads it (api/plain_email.py):
the same address, or the same refusal, for plain and tricky addresses alike."""

from __future__ import annotations

import random

import pytest
from pydantic import BaseModel, ConfigDict, EmailStr, ValidationError
from voimala_scheduling.api import plain_email
from voimala_scheduling.api.schemas import GuestIn


class _Reference(BaseModel):
    """GuestIn's e-mail field as it was: EmailStr alone, with the same config."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    email: EmailStr | None = None


def _reference(value: object) -> tuple[str, object]:
    try:
        return "ok", _Reference.model_validate({"email": value}).email
    except ValidationError as exc:
        return "refused", [(e["type"], e["loc"], e["msg"]) for e in exc.errors()]


def _ours(value: object) -> tuple[str, object]:
    try:
        return "ok", GuestIn.model_validate({"name": "N", "email": value}).email
    except ValidationError as exc:
        return "refused", [
            (e["type"], e["loc"], e["msg"]) for e in exc.errors() if e["loc"] == ("email",)
        ]


DOMAINS = [
    "example.fi",
    "Example.FI",
    "EXAMPLE.fi",
    "sub.example.fi",
    "localhost",
    "test",
    "example.test",
    "x.invalid",
    "local",
    "a.local",
    "1.2.3.4",
    "a.123",
    "a..b",
    ".example.fi",
    "example.fi.",
    "-a.fi",
    "a-.fi",
    "a_b.fi",
    "x" * 63 + ".fi",
    "x" * 64 + ".fi",
    ("a" * 60 + ".") * 4 + "fi",
    "xn--mnchen-3ya.de",
    "xn--zz.fi",
    "müller.fi",
    "[1.2.3.4]",
    "",
    "a.b",
    "example.com",
]
LOCALS = [
    "w",
    "Bench.Guest",
    "a+b",
    "o'neil",
    "x_y-z",
    "!#$%&'*+-/=?^_`{|}~",
    "a.b.c",
    ".a",
    "a.",
    "a..b",
    "Postmaster",
    "ABUSE",
    "info",
    "x" * 64,
    "x" * 65,
    "x" * 200,
    '"quoted"',
    "ä",
    "a b",
    "",
    "a@b",
]


def _addresses() -> list[object]:
    rnd = random.Random(18)
    alphabet = "aZ09.+-_'!#@ äÅ\"<>()[]\\,;:\t"
    found: list[object] = [f"{loc}@{dom}" for loc in LOCALS for dom in DOMAINS]
    found += [f" {loc}@{dom}\n" for loc in LOCALS[:4] for dom in DOMAINS]
    found += ["Name <w@example.fi>", "w@example.fi\r", "w", "@example.fi", 5, b"w@example.fi"]
    for _ in range(3000):
        local = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12)))
        found.append(f"{local}@{rnd.choice(DOMAINS)}")
    return found


@pytest.mark.parametrize("fresh", [True, False])
def test_every_address_is_answered_as_emailstr_answers_it(fresh: bool) -> None:
    if fresh:
        plain_email._domains.clear()
    for value in _addresses():
        # Twice: first maybe read in full (the domain remembered), then from the domain.
        assert _ours(value) == _reference(value), value
        assert _ours(value) == _reference(value), value


def test_a_plain_address_is_answered_from_its_domain() -> None:
    plain_email._domains.clear()
    assert _ours("first@Example.FI") == ("ok", "first@example.fi")
    assert plain_email._domains == {"Example.FI": "example.fi"}
    assert _ours("Second.Guest@Example.FI") == ("ok", "Second.Guest@example.fi")
    assert _ours("x@localhost")[0] == "refused"
    assert "localhost" not in plain_email._domains


def test_the_longest_address_is_checked_in_full() -> None:
    plain_email._domains.clear()
    domain = ("a" * 60 + ".") * 3 + "fi"  # 186 characters
    assert _ours(f"w@{domain}")[0] == "ok"
    for n in (60, 64, 66, 67, 68):
        value = f"{'x' * n}@{domain}"
        assert _ours(value) == _reference(value), n
