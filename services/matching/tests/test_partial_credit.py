"""A skill held only through a narrower one is a partial match (issue 14): half the credit of
one's own, in scoring and in the in-memory indexes alike."""

from __future__ import annotations

import random
import uuid

from voimala_contracts.matching import Explanation
from voimala_matching.domain.index import OpeningIndex, ProfileIndex
from voimala_matching.domain.scoring import PARTIAL, Opening, Profile, Weights, score_opening

# narrower -> broader in the vocabulary: forklift licence/order picking -> warehouse work ->
# logistics; office/home cleaning -> cleaning -> facility services
SKILLS = ["forklift licence", "order picking", "warehouse work", "logistics", "office cleaning",
          "cleaning", "facility services", "welding", "free text skill"]  # fmt: skip
WORDS = ["logistics", "kitchen", "office", "warehouse"]


def _skills(e: Explanation) -> float:
    return next(f.value for f in e.factors if f.name == "skills")


def test_a_broader_skill_counts_half_a_full_one() -> None:
    o = Opening(opening_id=1, type="job", required_skills=("varastotyö", "welding"))
    own = Profile(participant_id=1, skills=frozenset({"warehouse work"}), languages={})
    narrower = Profile(participant_id=2, skills=frozenset({"trukkikortti"}), languages={})
    both = Profile(
        participant_id=3, skills=frozenset({"trukkikortti", "warehouse work"}), languages={}
    )
    full, partial, same = (score_opening(p, o, Weights()) for p in (own, narrower, both))
    assert isinstance(full, Explanation)
    assert isinstance(partial, Explanation)
    assert isinstance(same, Explanation)
    assert _skills(full) == 0.5
    assert _skills(same) == 0.5
    assert _skills(partial) == PARTIAL / 2 == 0.25  # half of one of two
    assert partial.score < full.score
    # still a candidate (the hard filter asks for any required skill) and not missing it
    assert partial.matched_skills == ["warehouse work"]
    assert partial.missing_skills == ["welding"]


def _profile(rng: random.Random) -> Profile:
    return Profile(
        participant_id=uuid.UUID(int=rng.getrandbits(128)),
        skills=frozenset(rng.sample(SKILLS, rng.randint(0, 3))),
        languages={"fi": rng.randint(1, 7)} if rng.random() < 0.8 else {},
        municipality=rng.choice(["Salo", "Turku", None]),
        availability=frozenset(rng.sample(["full_time", "evenings"], rng.randint(0, 1))),
        goals=" ".join(rng.sample(WORDS, rng.randint(0, 3))),
    )


def _opening(rng: random.Random) -> Opening:
    return Opening(
        opening_id=uuid.UUID(int=rng.getrandbits(128)),
        type="job",
        title=rng.choice(WORDS),
        required_skills=tuple(rng.sample(SKILLS, rng.randint(0, 2))),
        nice_skills=tuple(rng.sample(SKILLS, rng.randint(0, 2))),
        languages={"fi": rng.randint(1, 4)} if rng.random() < 0.5 else {},
        municipality="Salo",
        hours=rng.choice([None, "full_time"]),
    )


def _alone(scored: list[tuple[object, object]], k: int) -> list[tuple[str, float]]:
    found = [(str(i), e.score) for i, e in scored if isinstance(e, Explanation)]
    return sorted(found, key=lambda x: (-x[1], x[0]))[:k]


def test_the_indexes_give_partial_credit_as_scoring_does() -> None:
    rng, weights = random.Random(14), Weights()
    people = [_profile(rng) for _ in range(600)]
    openings = [_opening(rng) for _ in range(300)]
    assert any(p.broader_only for p in people)
    candidates, jobs = ProfileIndex(weights), OpeningIndex(weights)
    candidates.bulk_load(people[:400])
    for p in people[400:]:
        candidates.upsert(p)  # one at a time, as the consumer adds them
    for o in openings:
        jobs.upsert(o)
    for o in openings[:60]:
        got = [(str(i), e.score) for i, e in candidates.top(o, 20)]
        assert got == _alone([(p.participant_id, score_opening(p, o, weights)) for p in people], 20)
    for p in people[:60]:
        got = [(str(i), e.score) for i, e in jobs.top(p, 20)]
        assert got == _alone([(o.opening_id, score_opening(p, o, weights)) for o in openings], 20)
