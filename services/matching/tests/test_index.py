"""The vectorised indexes rank exactly as scoring each pair alone does, also after updates."""

from __future__ import annotations

import dataclasses
import random
import uuid

import numpy as np
from voimala_contracts.matching import Explanation
from voimala_matching.domain.index import (
    _JITTER,
    _MARGIN,
    OpeningIndex,
    ProfileIndex,
    _jitter,
    _near_best,
)
from voimala_matching.domain.scoring import LEVELS, Opening, Profile, Weights, score_opening

SKILLS = ["forklift", "welding", "cooking", "cleaning", "retail", "bookkeeping", "soldering"]
WORDS = ["logistics", "kitchen", "office", "warehouse", "customer", "machines", "garden"]
PLACES = ["Salo", "Somero", "Turku", "Perniö", "Helsinki", None]
HOURS = ["full_time", "part_time", "evenings", "shifts"]
TYPES = ["job", "work_trial", "pay_subsidised_job", "summer_job_youth", "volunteering"]


def _profile(rng: random.Random, pid: object | None = None) -> Profile:
    return Profile(
        participant_id=pid or uuid.UUID(int=rng.getrandbits(128)),
        skills=frozenset(rng.sample(SKILLS, rng.randint(0, 3))),
        languages={c: rng.randint(1, 7) for c in rng.sample(["fi", "sv", "en"], rng.randint(0, 3))},
        municipality=rng.choice(PLACES),
        youth=rng.random() < 0.3,
        availability=frozenset(rng.sample(HOURS, rng.randint(0, 2))),
        goals=" ".join(rng.sample(WORDS, rng.randint(0, 3))),
        target_group=rng.choice([None, "subsidy_500_plus", "subsidy_300_499", "referred_by_staff"]),
        matching_consent=rng.random() < 0.9,
        status="active" if rng.random() < 0.9 else "paused",
    )


def _opening(rng: random.Random) -> Opening:
    return Opening(
        opening_id=uuid.UUID(int=rng.getrandbits(128)),
        type=rng.choice(TYPES),
        title=" ".join(rng.sample(WORDS, 2)),
        description=rng.choice(WORDS),
        required_skills=tuple(rng.sample(SKILLS, rng.randint(0, 2))),
        nice_skills=tuple(rng.sample(SKILLS, rng.randint(0, 2))),
        languages={c: rng.randint(1, 5) for c in rng.sample(["fi", "sv", "en"], rng.randint(0, 2))},
        municipality=rng.choice(PLACES),
        remote=rng.random() < 0.2,
        hours=rng.choice([None, *HOURS]),
    )


def _alone(pairs: list[tuple[object, Explanation | object]], k: int) -> list[tuple[str, float]]:
    scored = [(str(i), e.score) for i, e in pairs if isinstance(e, Explanation)]
    return sorted(scored, key=lambda x: (-x[1], x[0]))[:k]


def test_candidates_rank_as_pairs_alone_and_after_updates() -> None:
    rng = random.Random(7)
    weights = Weights()
    profiles = {
        p.participant_id: p for p in (_profile(rng) for _ in range(1500))
    }  # past the first growth
    index = ProfileIndex(weights)
    index.bulk_load(profiles.values())
    for round_ in range(3):
        for _ in range(25):
            o = _opening(rng)
            got = [(str(i), e.score) for i, e in index.top(o, 15)]
            want = _alone([(i, score_opening(p, o, weights)) for i, p in profiles.items()], 15)
            assert got == want, round_
        # Updates: changed profiles, new ones, consent withdrawn, removed.
        for pid in rng.sample(list(profiles), 100):
            profiles[pid] = _profile(rng, pid)
            index.upsert(profiles[pid])
        for _ in range(30):
            p = _profile(rng)
            profiles[p.participant_id] = p
            index.upsert(p)
        for pid in rng.sample(list(profiles), 20):
            del profiles[pid]
            index.remove(pid)


def test_openings_rank_as_pairs_alone_and_after_updates() -> None:
    rng = random.Random(11)
    weights = Weights()
    openings = {
        o.opening_id: o for o in (_opening(rng) for _ in range(1100))
    }  # past the first growth
    index = OpeningIndex(weights)
    for o in openings.values():
        index.upsert(o)
    for _ in range(2):
        for _ in range(40):
            p = _profile(rng)
            got = [(str(i), e.score) for i, e in index.top(p, 10)]
            want = _alone([(i, score_opening(p, o, weights)) for i, o in openings.items()], 10)
            assert got == want
        for oid in rng.sample(list(openings), 50):
            del openings[oid]
            index.remove(oid)
        for _ in range(50):
            o = _opening(rng)
            openings[o.opening_id] = o
            index.upsert(o)


def test_levels_are_ordered() -> None:
    assert [LEVELS[x] for x in ("A1", "A2", "B1", "B2", "C1", "C2", "native")] == list(range(1, 8))


def test_candidates_rank_as_pairs_alone_on_plateaus_and_shared_id_halves() -> None:
    """The selection's special cases (`_near_best`, `_first`): most rows filtered out, a
    plateau of many equal scores at the k-th (more rows near it than the partition's cut),
    and ids that share their first 64 bits (so only the last 64 bits order them)."""
    rng = random.Random(18)
    weights = Weights()
    same = _profile(rng)
    twins = [
        dataclasses.replace(same, participant_id=uuid.UUID(int=(i % 7) << 64 | rng.getrandbits(64)))
        for i in range(1200)
    ]
    others = [_profile(rng) for _ in range(1800)]
    profiles = {p.participant_id: p for p in twins + others}
    index = ProfileIndex(weights)
    index.bulk_load(profiles.values())
    asks = [_opening(rng) for _ in range(30)]
    asks += [dataclasses.replace(o, type="summer_job_youth") for o in asks[:10]]
    for o in asks:
        want = _alone([(i, score_opening(p, o, weights)) for i, p in profiles.items()], 60)
        for k in (1, 15, 60):
            assert [(str(i), e.score) for i, e in index.top(o, k)] == want[:k]


def test_the_rows_near_the_kth_are_every_row_within_the_margin_and_few_more() -> None:
    """`_near_best` on its own, each way it can go: the sample's value holds k rows or not
    (the best rows all outside the sample), most rows filtered, fewer than k not filtered,
    plateaus of equal scores, many rows just below the k-th, fewer rows than k."""
    gen = np.random.default_rng(18)
    n, k = 20_000, 50
    step = n // (16 * k)
    plateau = np.round(gen.random(n), 1).astype(np.float32)
    unsampled_best = (0.9 + gen.random(n) * 0.001).astype(np.float32)
    # the sample: its first 7 rows the best of all, the rest the worst
    unsampled_best[::step] = 0.0
    unsampled_best[: 7 * step : step] = 1.0
    mostly_filtered = gen.random(n).astype(np.float32)
    mostly_filtered[gen.random(n) < 0.97] = -np.inf
    few = np.full(n, -np.inf, np.float32)
    few[gen.choice(n, 30, replace=False)] = gen.random(30)
    dense = (0.5 + gen.random(n) * 0.01).astype(np.float32)  # many within the margin
    cases = [plateau, dense, unsampled_best, mostly_filtered, few, gen.random(40).astype("f4")]
    for approx in cases:
        jitter = _jitter(len(approx))
        got = set(_near_best(approx, jitter, k).tolist())
        finite = approx > -np.inf
        kth = np.sort(approx)[::-1][k - 1] if finite.sum() >= k else -np.inf
        must = set(np.flatnonzero(finite & (approx >= kth - _MARGIN)).tolist())
        may = set(np.flatnonzero(finite & (approx >= kth - _MARGIN - 2 * _JITTER - 1e-6)).tolist())
        assert must <= got <= may
