"""The openings optimiser's flow (`domain/assignment.choose`): optimal on random instances
against two exact solvers (brute force, and OR-Tools' CP-SAT integer programme), with every
participant's K and every opening's room respected."""

from __future__ import annotations

import itertools
import random
from collections.abc import Hashable, Sequence

import pytest
from ortools.sat.python import cp_model
from voimala_matching.domain.assignment import Edge, choose, scaled, total_of

Caps = dict[Hashable, int]


def _instance(
    rng: random.Random, people: int, openings: int, density: float, k: int, rooms: int
) -> tuple[list[Edge], Caps, Caps]:
    edges = [
        Edge(f"p{i}", f"o{j}", round(rng.random(), 6))
        for i in range(people)
        for j in range(openings)
        if rng.random() < density
    ]
    left: Caps = {f"p{i}": rng.randint(0, k) for i in range(people)}
    right: Caps = {f"o{j}": rng.randint(0, rooms) for j in range(openings)}
    return edges, left, right


def _feasible(chosen: Sequence[Edge], edges: Sequence[Edge], left: Caps, right: Caps) -> None:
    pairs = [(e.mentee, e.mentor) for e in chosen]
    assert len(pairs) == len(set(pairs)), "a pair chosen twice"
    assert set(pairs) <= {(e.mentee, e.mentor) for e in edges}
    for node, cap in left.items():
        assert sum(1 for a, _ in pairs if a == node) <= cap
    for node, cap in right.items():
        assert sum(1 for _, b in pairs if b == node) <= cap


def _brute(edges: Sequence[Edge], left: Caps, right: Caps) -> int:
    """Every subset of the edges: the best feasible total."""
    best = 0
    for n in range(len(edges) + 1):
        for subset in itertools.combinations(edges, n):
            used_l: dict[Hashable, int] = {}
            used_r: dict[Hashable, int] = {}
            for e in subset:
                used_l[e.mentee] = used_l.get(e.mentee, 0) + 1
                used_r[e.mentor] = used_r.get(e.mentor, 0) + 1
            if all(v <= left.get(a, 0) for a, v in used_l.items()) and all(
                v <= right.get(b, 0) for b, v in used_r.items()
            ):
                best = max(best, total_of(subset))
    return best


def _cp_sat(edges: Sequence[Edge], left: Caps, right: Caps) -> int:
    """The same problem as a 0-1 integer programme, solved to proven optimality."""
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{i}") for i in range(len(edges))]
    for node, cap in left.items():
        mine = [x[i] for i, e in enumerate(edges) if e.mentee == node]
        model.add(cp_model.LinearExpr.sum(mine) <= cap)
    for node, cap in right.items():
        mine = [x[i] for i, e in enumerate(edges) if e.mentor == node]
        model.add(cp_model.LinearExpr.sum(mine) <= cap)
    model.maximize(cp_model.LinearExpr.weighted_sum(x, [scaled(e.score) for e in edges]))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 1
    assert solver.solve(model) == cp_model.OPTIMAL
    return round(solver.objective_value)


def test_choose_equals_brute_force_on_tiny_instances() -> None:
    rng = random.Random(20261202)
    for _ in range(200):
        edges, left, right = _instance(rng, rng.randint(1, 5), rng.randint(1, 4), 0.5, k=3, rooms=2)
        edges = edges[:11]  # 2^11 subsets at most
        chosen = choose(edges, left, right)
        _feasible(chosen, edges, left, right)
        assert total_of(chosen) == _brute(edges, left, right)


@pytest.mark.parametrize(
    ("people", "openings", "density", "seeds"),
    [(12, 5, 0.6, 20), (60, 20, 0.3, 8), (200, 60, 0.1, 3)],
)
def test_choose_equals_an_integer_programme(
    people: int, openings: int, density: float, seeds: int
) -> None:
    for seed in range(seeds):
        rng = random.Random(seed * 7919 + people)
        edges, left, right = _instance(rng, people, openings, density, k=3, rooms=4)
        chosen = choose(edges, left, right)
        _feasible(chosen, edges, left, right)
        assert total_of(chosen) == _cp_sat(edges, left, right)


def test_k_spreads_a_strong_candidate_where_per_opening_ranking_does_not() -> None:
    # Per opening, "star" is everyone's best: proposed to all three, "other" to none. With
    # K = 2, "other" goes where it loses least against the star: c (0.9 - 0.7).
    edges = [
        *(Edge("star", o, 0.9) for o in ("a", "b", "c")),
        *(Edge("other", o, s) for o, s in (("a", 0.5), ("b", 0.6), ("c", 0.7))),
    ]
    chosen = choose(edges, {"star": 2, "other": 2}, {"a": 1, "b": 1, "c": 1})
    assert sorted((e.mentee, e.mentor) for e in chosen) == [
        ("other", "c"),
        ("star", "a"),
        ("star", "b"),
    ]


def test_nothing_is_chosen_without_room() -> None:
    edges = [Edge("p", "o", 0.8), Edge("q", "o", 0.7)]
    assert choose(edges, {"p": 0, "q": 1}, {"o": 0}) == []
    assert choose(edges, {"p": 0, "q": 1}, {"o": 2}) == [Edge("q", "o", 0.7)]
    assert choose([Edge("p", "o", 0.0)], {"p": 1}, {"o": 1}) == []  # adds nothing
