"""Pure rules: business IDs, explainable scores, and the optimality of the assignment."""

from __future__ import annotations

import itertools
import random

import pytest
from voimala_contracts.matching import Explanation
from voimala_matching.domain.assignment import Edge, assign, scaled, total
from voimala_matching.domain.business_id import is_valid_business_id
from voimala_matching.domain.scoring import (
    LEVELS,
    Filtered,
    Mentor,
    Opening,
    Profile,
    Weights,
    redact,
    score_mentor,
    score_opening,
)


@pytest.mark.parametrize("value", ["0112038-9", "1572860-0", "0737546-2"])
def test_valid_business_ids(value: str) -> None:
    assert is_valid_business_id(value)


@pytest.mark.parametrize(
    "value", ["0112038-8", "1572860", "15728600", "ABCDEFG-1", "1572860-00", "", "0000001-1"]
)
def test_invalid_business_ids(value: str) -> None:
    assert not is_valid_business_id(value)


def _profile(**kw: object) -> Profile:
    values: dict[str, object] = {
        "participant_id": 1,
        "skills": frozenset({"forklift", "warehouse"}),
        "languages": {"fi": LEVELS["native"], "en": LEVELS["B1"]},
        "municipality": "Salo",
        "availability": frozenset({"full_time"}),
        "goals": "logistics warehouse work",
    }
    return Profile(**(values | kw))  # type: ignore[arg-type]


OPENING = Opening(
    opening_id=1,
    type="job",
    title="Warehouse worker",
    description="logistics",
    required_skills=("forklift", "first aid"),
    nice_skills=("warehouse",),
    languages={"fi": LEVELS["B1"]},
    municipality="Salo",
    hours="full_time",
)


def test_a_score_explains_itself() -> None:
    e = score_opening(_profile(), OPENING, Weights())
    assert isinstance(e, Explanation)
    assert e.missing_skills == ["first aid"]
    # named by the vocabulary's keys ("forklift" and "warehouse" are synonyms there)
    assert e.matched_skills == ["forklift licence", "warehouse work"]
    names = [f.name for f in e.factors]
    assert names == ["skills", "languages", "location", "availability", "goals", "priority"]
    assert {f.name: f.weight for f in e.factors}["skills"] == Weights().skills
    # The score is the sum of the contributions, each weight x value over the weight sum.
    assert e.score == pytest.approx(sum(f.contribution for f in e.factors), abs=1e-3)
    skills = e.factors[0]
    assert skills.value == pytest.approx((2 * 0.5 + 1 * 1.0) / 3, abs=1e-4)
    assert 0 <= e.score <= 1


def test_weights_are_configuration() -> None:
    only_location = Weights(skills=0, languages=0, location=1, availability=0, goals=0, priority=0)
    e = score_opening(_profile(municipality="Somero"), OPENING, only_location)
    assert isinstance(e, Explanation)
    assert e.score == 0.5  # a neighbouring municipality


@pytest.mark.parametrize(
    ("profile", "opening", "reason"),
    [
        (_profile(matching_consent=False), OPENING, "no_matching_consent"),
        (_profile(status="paused"), OPENING, "not_active"),
        (_profile(languages={"fi": LEVELS["A2"]}), OPENING, "language_level"),
        (
            _profile(),
            Opening(opening_id=2, type="pay_subsidised_job"),
            "not_eligible_for_pay_subsidy",
        ),
        (_profile(youth=False), Opening(opening_id=3, type="summer_job_youth"), "not_youth"),
        (_profile(skills=frozenset({"cooking"})), OPENING, "no_required_skill"),
    ],
)
def test_hard_filters(profile: Profile, opening: Opening, reason: str) -> None:
    assert score_opening(profile, opening, Weights()) == Filtered(reason)


def test_pay_subsidy_and_youth_pass_for_the_eligible() -> None:
    eligible = _profile(target_group="subsidy_500_plus", youth=True)
    for kind in ("pay_subsidised_job", "summer_job_youth"):
        assert isinstance(
            score_opening(eligible, Opening(opening_id=9, type=kind), Weights()), Explanation
        )


def test_the_redacted_explanation_hides_the_programme_priority() -> None:
    high = score_opening(_profile(target_group="subsidy_500_plus"), OPENING, Weights())
    normal = score_opening(_profile(), OPENING, Weights())
    assert isinstance(high, Explanation)
    assert isinstance(normal, Explanation)
    assert high.score > normal.score
    assert redact(high) == redact(normal)
    assert "priority" not in {f.name for f in redact(high).factors}


def test_mentor_scores() -> None:
    m = Mentor(mentor_id=1, fields=("logistics",), languages=frozenset({"fi"}), municipality="Salo")
    e = score_mentor(_profile(), m, Weights())
    assert isinstance(e, Explanation)
    assert e.matched_skills == ["logistics"]
    assert score_mentor(_profile(), Mentor(mentor_id=2, available=False), Weights()) == Filtered(
        "mentor_paused"
    )
    sv_only = Mentor(mentor_id=3, languages=frozenset({"sv"}))
    assert score_mentor(_profile(), sv_only, Weights()) == Filtered("no_shared_language")


def _exact(edges: list[Edge], capacity: dict[object, int]) -> int:
    """Brute force: every mentee gets one of its candidate mentors or none."""
    mentees = sorted({e.mentee for e in edges})
    options = {m: [None] + [e for e in edges if e.mentee == m] for m in mentees}
    best = 0
    for choice in itertools.product(*(options[m] for m in mentees)):
        used: dict[object, int] = {}
        value = 0
        for e in choice:
            if e is None:
                continue
            used[e.mentor] = used.get(e.mentor, 0) + 1
            value += scaled(e.score)
        if all(n <= capacity[m] for m, n in used.items()):
            best = max(best, value)
    return best


def test_the_assignment_is_optimal_on_random_instances() -> None:
    rng = random.Random(20261127)
    for _ in range(150):
        n_mentees, n_mentors = rng.randint(1, 7), rng.randint(1, 4)
        capacity: dict[object, int] = {f"m{j}": rng.randint(0, 2) for j in range(n_mentors)}
        edges = [
            Edge(i, f"m{j}", round(rng.random(), 6))
            for i in range(n_mentees)
            for j in range(n_mentors)
            if rng.random() < 0.6
        ]
        chosen = assign(edges, capacity)
        used: dict[object, int] = {}
        for mentee, m in chosen.items():
            used[m] = used.get(m, 0) + 1
            assert any(e.mentee == mentee and e.mentor == m for e in edges)
        assert all(n <= capacity[m] for m, n in used.items())
        assert total(chosen, edges) == _exact(edges, capacity)


def test_the_assignment_prefers_the_total_over_greedy() -> None:
    # Greedy gives A to mentee 1 (0.9) and leaves 2 with B (0.1): 1.0. Optimal: 0.8 + 0.85.
    edges = [Edge(1, "A", 0.9), Edge(1, "B", 0.85), Edge(2, "A", 0.8), Edge(2, "B", 0.1)]
    assert assign(edges, {"A": 1, "B": 1}) == {1: "B", 2: "A"}
