"""Optimal mentor assignment: a min-cost flow on the sparse candidate graph.

source -> mentee (capacity 1) -> mentor (capacity 1, cost -score) -> sink (mentor's free
capacity), and mentee -> sink directly at cost 0 (stay unassigned this round). Every unit of
supply reaches the sink, so the flow is always feasible; its minimum cost is minus the maximal
total score with no mentor over capacity. Scores are scaled to integers (1e-6 resolution),
which is what makes the solver exact.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow  # type: ignore[import-untyped]

SCALE = 1_000_000


@dataclass(frozen=True)
class Edge:
    mentee: Hashable
    mentor: Hashable
    score: float


def scaled(score: float) -> int:
    return round(score * SCALE)


def assign(edges: Sequence[Edge], capacity: dict[Hashable, int]) -> dict[Hashable, Hashable]:
    """Mentee -> mentor with the maximal total score; a mentor gets at most its capacity."""
    usable = [e for e in edges if capacity.get(e.mentor, 0) > 0 and scaled(e.score) > 0]
    if not usable:
        return {}
    graph = _Graph(usable, capacity)
    n, k = len(graph.mentees), len(graph.mentors)
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(*graph.arcs())
    source, sink = n + k, n + k + 1
    supplies = np.zeros(n + k + 2, dtype=np.int64)
    supplies[source], supplies[sink] = n, -n
    flow.set_nodes_supplies(np.arange(n + k + 2, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min cost flow failed with status {status}")
    first = n  # the mentee -> mentor arcs follow the n source -> mentee ones
    used = flow.flows(arcs[first : first + len(usable)])
    return {usable[i].mentee: usable[i].mentor for i in np.flatnonzero(used > 0)}


class _Graph:
    """The flow network's nodes: mentees 0..n-1, mentors n..n+k-1, then source and sink."""

    def __init__(self, usable: Sequence[Edge], capacity: dict[Hashable, int]) -> None:
        self.usable = usable
        self.capacity = capacity
        self.mentees = list(dict.fromkeys(e.mentee for e in usable))
        self.mentors = list(dict.fromkeys(e.mentor for e in usable))

    def arcs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Tails, heads, capacities and unit costs of every arc, in that order: source ->
        mentee, mentee -> mentor, mentee -> sink (unassigned), mentor -> sink."""
        usable, n, k = self.usable, len(self.mentees), len(self.mentors)
        mentee_ix = {m: i for i, m in enumerate(self.mentees)}
        mentor_ix = {m: i for i, m in enumerate(self.mentors)}
        source, sink = n + k, n + k + 1
        tails = np.concatenate(
            [
                np.full(n, source),
                [mentee_ix[e.mentee] for e in usable],
                np.arange(n),
                n + np.arange(k),
            ]
        ).astype(np.int32)
        heads = np.concatenate(
            [
                np.arange(n),
                [n + mentor_ix[e.mentor] for e in usable],
                np.full(n, sink),
                np.full(k, sink),
            ]
        ).astype(np.int32)
        caps = np.concatenate(
            [np.ones(n), np.ones(len(usable)), np.ones(n), [self.capacity[m] for m in self.mentors]]
        ).astype(np.int64)
        costs = np.concatenate(
            [np.zeros(n), [-scaled(e.score) for e in usable], np.zeros(n), np.zeros(k)]
        ).astype(np.int64)
        return tails, heads, caps, costs


def total(assignment: dict[Hashable, Hashable], edges: Sequence[Edge]) -> int:
    """The scaled total score of an assignment (what `assign` maximises)."""
    best = {(e.mentee, e.mentor): scaled(e.score) for e in edges}
    return sum(best[(a, b)] for a, b in assignment.items())
