"""Skills as matching compares them: through the programme's vocabulary (issue 14).

A skill written in Finnish, Swedish or English, or as one of its synonyms, is one key (the
vocabulary's id); a skill the vocabulary does not know stays free text, folded (lower case,
spaces collapsed). A participant who holds a skill also holds its broader skills: someone with
a forklift licence has done warehouse work, so an opening asking for warehouse work finds
them, as a partial match (half the credit of their own skill, `scoring.credit`). The other way
does not hold: "warehouse work" is no forklift licence.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from voimala_contracts.vocabulary import vocabulary


def key(text: str) -> str:
    """The key a skill is compared by."""
    return vocabulary().key(text)


@lru_cache(maxsize=65536)
def _held(keys: frozenset[str]) -> frozenset[str]:
    v = vocabulary()
    own = {v.key(k) for k in keys}
    return frozenset(own.union(*(v.broader(k) for k in own)))


def held(keys: Iterable[str]) -> frozenset[str]:
    """Every key a participant with these skills holds: their own and the broader ones."""
    return _held(frozenset(keys))


@lru_cache(maxsize=65536)
def _through_broader(keys: frozenset[str]) -> frozenset[str]:
    v = vocabulary()
    own = {v.key(k) for k in keys}
    return frozenset(b for k in own for b in v.broader(k)) - own


def through_broader(keys: Iterable[str]) -> frozenset[str]:
    """The broader keys held only through a narrower one of `keys` (not held in their own
    right): matching counts them as a partial match (`scoring.credit`)."""
    return _through_broader(frozenset(keys))


@lru_cache(maxsize=4096)
def _stored(wanted: frozenset[str]) -> tuple[str, ...]:
    v = vocabulary()
    keys = {v.key(w) for w in wanted}
    narrower = {k for k in v.skills if keys.intersection(v.broader(k))}
    return tuple(v.written_forms(keys | narrower))


def stored_forms(wanted: Iterable[str]) -> list[str]:
    """What a profile's stored `skill_keys` may hold if the profile has one of `wanted`:
    the keys, their narrower skills, and every label and synonym of those (profiles stored
    before the vocabulary keep the folded text as written)."""
    return list(_stored(frozenset(wanted)))
