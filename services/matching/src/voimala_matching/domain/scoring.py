"""Explainable scores in [0, 1] for participant x opening and participant x mentor.

A score is the weighted mean of factor values in [0, 1]; each factor's weight comes from the
configuration (`Weights`, documented in docs/matching.md). Hard filters come first: a pair
that fails one gets no score at all, only the filter's name (never a personal value).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from voimala_contracts.matching import Explanation

from .vocabulary import held, through_broader
from .vocabulary import key as skill_key

LEVELS = {"A1": 1, "A2": 2, "B1": 3, "B2": 4, "C1": 5, "C2": 6, "native": 7}

#: Municipalities within a reasonable commute of each other in the Salo region.
NEAR: dict[str, frozenset[str]] = {
    "salo": frozenset({"somero", "paimio", "sauvo", "kemiönsaari", "lohja", "marttila", "kaarina"}),
    "somero": frozenset({"salo", "forssa", "marttila"}),
    "paimio": frozenset({"salo", "sauvo", "kaarina", "turku", "marttila"}),
    "sauvo": frozenset({"salo", "paimio", "kaarina", "kemiönsaari"}),
    "kemiönsaari": frozenset({"salo", "sauvo"}),
    "kaarina": frozenset({"salo", "paimio", "sauvo", "turku"}),
    "turku": frozenset({"kaarina", "paimio", "raisio"}),
    "lohja": frozenset({"salo"}),
    "marttila": frozenset({"salo", "somero", "paimio"}),
}
#: Former municipalities merged into Salo in 2009: the same place for commuting.
_MERGED = (
    "halikko",
    "perniö",
    "kiikala",
    "kisko",
    "muurla",
    "pertteli",
    "suomusjärvi",
    "särkisalo",
)
SAME_AS = dict.fromkeys(_MERGED, "salo")
PAY_SUBSIDY_GROUPS = frozenset({"subsidy_500_plus", "subsidy_300_499"})
_WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)


@dataclass(frozen=True)
class Weights:
    """How much each factor counts; only the ratios matter (scores are normalised)."""

    skills: float = 0.40
    languages: float = 0.15
    location: float = 0.15
    availability: float = 0.10
    goals: float = 0.10
    priority: float = 0.10


@dataclass(frozen=True)
class Profile:
    """What scoring knows of a participant (pseudonymous)."""

    participant_id: object
    skills: frozenset[str]
    languages: dict[str, int]
    municipality: str | None = None
    youth: bool = False
    availability: frozenset[str] = frozenset()
    goals: str | None = None
    target_group: str | None = None
    wants_mentor: bool = False
    matching_consent: bool = True
    status: str = "active"

    #: the keys in `skills` held only through a narrower skill: half credit (`credit`)
    broader_only: frozenset[str] = field(default=frozenset(), init=False, compare=False)

    def __post_init__(self) -> None:
        # Compared by the vocabulary's keys, with the broader skills held too (`vocabulary.py`).
        object.__setattr__(self, "broader_only", through_broader(self.skills))
        object.__setattr__(self, "skills", held(self.skills))


@dataclass(frozen=True)
class Opening:
    opening_id: object
    type: str
    title: str = ""
    description: str = ""
    required_skills: tuple[str, ...] = ()
    nice_skills: tuple[str, ...] = ()
    languages: dict[str, int] = field(default_factory=dict)
    municipality: str | None = None
    remote: bool = False
    hours: str | None = None


@dataclass(frozen=True)
class Mentor:
    mentor_id: object
    fields: tuple[str, ...] = ()
    languages: frozenset[str] = frozenset()
    municipality: str | None = None
    prefers_youth: bool = False
    available: bool = True
    #: the mentor's level of each language where they stated it (`LEVELS`); none: not stated
    levels: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Filtered:
    """The pair is not a candidate; `reason` names the hard filter."""

    reason: str


#: What a skill held only through a narrower one counts for (a full match is 1).
PARTIAL = 0.5


def credit(p: Profile, key: str) -> float:
    """How much of a skill `p` holds: 1 their own, `PARTIAL` only through a narrower skill
    (a forklift licence is some warehouse work, not all of it), 0 none. Halves add exactly."""
    if key not in p.skills:
        return 0.0
    return PARTIAL if key in p.broader_only else 1.0


def norm(values: Iterable[str]) -> list[str]:
    """Skills and fields compare by the vocabulary's key (`vocabulary.py`): one skill in
    fi/sv/en and its synonyms is one key; other text case- and space-insensitively."""
    seen: dict[str, None] = {}
    for v in values:
        key = skill_key(v)
        if key:
            seen[key] = None
    return list(seen)


@lru_cache(maxsize=65536)
def words(text: str | None) -> frozenset[str]:
    return frozenset(w.lower() for w in _WORD.findall(text or ""))


def round4(x: float) -> float:
    """Half up to 4 decimals, in operations numpy repeats bit for bit (`index.py`)."""
    return math.floor(x * 10000.0 + 0.5) / 10000.0


@lru_cache(maxsize=4096)
def location_value(a: str | None, b: str | None, remote: bool = False) -> tuple[float, str]:
    if remote:
        return 1.0, "remote work possible"
    if not a or not b:
        return 0.25, "location unknown"
    a, b = a.strip().lower(), b.strip().lower()
    a, b = SAME_AS.get(a, a), SAME_AS.get(b, b)
    if a == b:
        return 1.0, "same municipality"
    if b in NEAR.get(a, ()) or a in NEAR.get(b, ()):
        return 0.5, "neighbouring municipality"
    return 0.0, "outside commuting distance"


def priority_value(p: Profile) -> tuple[float, str]:
    # Said in words an employer may see: the programme's priority, never the target group.
    if p.target_group == "subsidy_500_plus":
        return 1.0, "programme priority: high"
    if p.target_group == "subsidy_300_499" or p.youth:
        return 0.6, "programme priority: raised"
    return 0.0, "programme priority: normal"


@lru_cache(maxsize=64)
def _weights_of(weights: Weights, names: tuple[str, ...]) -> tuple[tuple[float, ...], float]:
    """The weights of the factors named, and their sum (1 if 0): the same for every pair."""
    ws = tuple(getattr(weights, name) for name in names)
    return ws, sum(ws) or 1.0


def _explain(
    weights: Weights,
    values: Sequence[tuple[str, float, str | None]],
    missing: list[str],
    matched: list[str],
) -> Explanation:
    ws, total_weight = _weights_of(weights, tuple(name for name, _, _ in values))
    factors = []
    score = 0.0
    for (name, value, note), w in zip(values, ws, strict=True):
        contribution = w * value / total_weight
        score += contribution
        factors.append(
            {
                "name": name,
                "weight": w,
                "value": round(value, 4),
                "contribution": round(contribution, 4),
                "note": note,
            }
        )
    # Validated in one call with its factors (a ranking explains its k best this way:
    # several times quicker than a model per factor, bench/matching_ranking.py).
    return Explanation.model_validate(
        {
            "score": round4(min(1.0, score)),
            "factors": factors,
            "missing_skills": missing,
            "matched_skills": matched,
        }
    )


def _eligible(p: Profile) -> Filtered | None:
    if not p.matching_consent:
        return Filtered("no_matching_consent")
    if p.status != "active":
        return Filtered("not_active")
    return None


def language_gaps(p: Profile, o: Opening) -> list[tuple[str, int, int]]:
    """The opening's languages `p` speaks below its level: (code, level asked, level had; 0
    for none), in the opening's order."""
    return [
        (c, m, p.languages.get(c, 0)) for c, m in o.languages.items() if p.languages.get(c, 0) < m
    ]


def _opening_filter(
    p: Profile, o: Opening, no_required_skill: bool, levels: bool = True
) -> Filtered | None:
    rejected = _eligible(p)
    if rejected:
        return rejected
    if levels and language_gaps(p, o):
        return Filtered("language_level")
    if o.type == "pay_subsidised_job" and p.target_group not in PAY_SUBSIDY_GROUPS:
        return Filtered("not_eligible_for_pay_subsidy")
    if o.type == "summer_job_youth" and not p.youth:
        return Filtered("not_youth")
    if no_required_skill:
        return Filtered("no_required_skill")
    return None


@dataclass(frozen=True)
class Asked:
    """What an opening asks, as scoring compares it: computed once for many profiles."""

    required: list[str]
    nice: list[str]
    topic: frozenset[str]


def asked(o: Opening) -> Asked:
    required, nice = norm(o.required_skills), norm(o.nice_skills)
    topic = words(o.title) | words(o.description) | frozenset(required) | frozenset(nice)
    return Asked(required, nice, topic)


def _skills_value(p: Profile, a: Asked) -> float:
    """Required skills count twice as much as nice ones (the index repeats these operations)."""
    if not a.required and not a.nice:
        return 1.0
    required = sum(credit(p, s) for s in a.required) / len(a.required) if a.required else 0.0
    nice = sum(credit(p, s) for s in a.nice) / len(a.nice) if a.nice else 0.0
    if a.required and a.nice:
        return (2.0 * required + 1.0 * nice) / 3.0
    return 2.0 * required / 2.0 if a.required else 1.0 * nice / 1.0


def _languages_value(p: Profile, o: Opening) -> float:
    if not o.languages:
        return 1.0
    # (at or above the level asked a margin is at least 0.75; below it only in a near view)
    margins = [
        max(0.0, min(1.0, 0.75 + 0.25 * (p.languages.get(c, 0) - m)))
        for c, m in o.languages.items()
    ]
    return sum(margins) / len(margins)


def score_opening(
    p: Profile, o: Opening, weights: Weights, known: Asked | None = None, levels: bool = True
) -> Explanation | Filtered:
    """Participant x opening: hard filters, then the weighted factors (`known`: `asked(o)`).
    `levels=False` leaves out the language-level filter (a near view, `language_gaps` saying
    what is missing); the languages factor still counts the levels `p` has."""
    a = known or asked(o)
    has_req = [s for s in a.required if s in p.skills]
    rejected = _opening_filter(p, o, bool(a.required) and not has_req, levels)
    if rejected:
        return rejected
    has_nice = [s for s in a.nice if s in p.skills]
    missing = [s for s in a.required if s not in p.skills]
    skills_note = f"{len(has_req)}/{len(a.required)} required, {len(has_nice)}/{len(a.nice)} nice"
    languages = _languages_value(p, o)
    location, location_note = location_value(p.municipality, o.municipality, o.remote)
    if not o.hours or o.hours in p.availability:
        availability, availability_note = 1.0, "available for these hours"
    elif not p.availability:
        availability, availability_note = 0.5, "availability not given"
    else:
        availability, availability_note = 0.0, "not available for these hours"
    overlap = len(words(p.goals) & a.topic)
    priority, priority_note = priority_value(p)
    values = [
        ("skills", _skills_value(p, a), skills_note),
        ("languages", languages, None),
        ("location", location, location_note),
        ("availability", availability, availability_note),
        ("goals", min(1.0, overlap / 3), f"{overlap} matching words in goals"),
        ("priority", priority, priority_note),
    ]
    return _explain(weights, values, missing, has_req + has_nice)


def score_mentor(p: Profile, m: Mentor, weights: Weights) -> Explanation | Filtered:
    """Participant x mentor: a mentor from their own field, in a shared language."""
    rejected = _eligible(p)
    if rejected:
        return rejected
    if not m.available:
        return Filtered("mentor_paused")
    # Shared: both speak it at B1 or better (a mentor's level not stated counts as enough).
    b1 = LEVELS["B1"]
    shared = [c for c in m.languages if min(p.languages.get(c, 0), m.levels.get(c, b1)) >= b1]
    if m.languages and not shared:
        return Filtered("no_shared_language")
    fields = norm(m.fields)
    goal_words = words(p.goals)
    matched = [f for f in fields if f in p.skills or words(f) & goal_words]
    if not matched:
        return Filtered("no_shared_field")
    skills = len(matched) / len(fields)
    location, location_note = location_value(p.municipality, m.municipality)
    if m.prefers_youth:
        availability = 1.0 if p.youth else 0.3
        pref_note = "mentor prefers young people"
    else:
        availability, pref_note = 1.0, None
    priority, priority_note = priority_value(p)
    values = [
        ("skills", skills, f"{len(matched)} of the mentor's fields match"),
        ("languages", 1.0, f"{len(shared)} shared languages"),
        ("location", location, location_note),
        ("availability", availability, pref_note),
        ("priority", priority, priority_note),
    ]
    return _explain(weights, values, [], matched)


def redact(e: Explanation) -> Explanation:
    """The explanation a partner or mentor may see: without the programme-priority factor
    (its value would tell the participant's target group, i.e. subsidy days), the score
    renormalised over the other factors, and without the skills the person lacks (issue 14:
    an employer learns nothing of the person beyond what the programme proposes; the
    participant's own view puts them back). Staff see the whole explanation."""
    kept = [f for f in e.factors if f.name != "priority"]
    weight = sum(f.weight for f in kept) or 1.0
    factors = [
        f.model_copy(update={"contribution": round(f.weight * f.value / weight, 4)}) for f in kept
    ]
    return e.model_copy(
        update={
            "factors": factors,
            "score": round(min(1.0, sum(f.weight * f.value for f in kept) / weight), 4),
            "missing_skills": [],
        }
    )
