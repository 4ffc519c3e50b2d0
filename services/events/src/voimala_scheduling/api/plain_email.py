"""A plain e-mail address read without email_validator's full walk, with the same answer.

When everyone registers at once, pydantic's `EmailStr` (email_validator) was ~8 % of the
events service's CPU, half of it checking the part after the @-sign (IDNA rules, special-use
names) anew for every address, though a programme's guests use few domains. Here an address
of the plain form, `local@domain` with an ASCII dot-atom before the @-sign (the characters
RFC 5322 allows there, no quoting) and an ASCII host name after it, is answered from the
domain's earlier answer: its normalised form, as email_validator gave it for an address
that passed in full. The local part of such an address passes email_validator unchanged
(`validate_email_local_part`, dot-atom, not strict), so the normalised address is the local
part, the @-sign and the normalised domain. Everything else, a domain not seen yet,
a mailbox name email_validator lower-cases (postmaster, ...), a local part over 64 characters,
an address over 254, goes through `EmailStr` in full (and refusals only ever come from it).
tests/test_plain_email.py compares both on random and tricky addresses.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES

#: email_validator's ATEXT dot-atom (rfc_constants.DOT_ATOM_TEXT), and a plain ASCII host.
_LOCAL = re.compile(r"[a-zA-Z0-9_!#$%&'*+\-/=?^`{|}~]+(?:\.[a-zA-Z0-9_!#$%&'*+\-/=?^`{|}~]+)*")
_HOST = re.compile(r"[a-zA-Z0-9\-.]+")
_LOWERED = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)
#: The most domains remembered (a domain passes in full once; beyond this, every time).
MAX_DOMAINS = 10_000
_EMAIL_MAX, _LOCAL_MAX = 254, 64

#: Domain as written -> as email_validator normalised it (for an address that passed).
_domains: dict[str, str] = {}


def _split(value: object) -> tuple[str, str] | None:
    """(local part, domain) of an address of the plain form, else None."""
    if type(value) is not str or len(value) > _EMAIL_MAX:
        return None
    local, at, domain = value.partition("@")
    if (
        not at
        or len(local) > _LOCAL_MAX
        or _LOCAL.fullmatch(local) is None
        or _HOST.fullmatch(domain) is None
        or local.lower() in _LOWERED
    ):
        return None
    return local, domain


def plain_email(value: object, full: Callable[[object], str]) -> str:
    """The address as `full` (EmailStr's validation) answers it: from the domain's earlier
    answer where the address is plain, else from `full` (remembering the domain's answer)."""
    parts = _split(value)
    if parts is None:
        return full(value)
    local, domain = parts
    known = _domains.get(domain)
    if known is not None and len(local) + len(known) < _EMAIL_MAX:
        return f"{local}@{known}"
    answer = full(value)
    found_local, _, found_domain = answer.rpartition("@")
    if found_local == local and len(_domains) < MAX_DOMAINS:
        _domains[domain] = found_domain
    return answer
