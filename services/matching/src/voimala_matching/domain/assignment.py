"""Optimal assignment by a min-cost flow on a sparse candidate graph: mentees to mentors, and
participants to the openings' free places. One solver for both (`choose`); `assign` is the
mentors' one-mentor-each view of it.

source -> left node (capacity: how many it may still get) -> right node (capacity 1 per pair,
cost -score) -> sink (the right node's free room), and left -> sink directly at cost 0 (a unit
left unused this round). Every unit of supply reaches the sink, so the flow is always
feasible; its minimum cost is minus the maximal total score with no node over its capacity.
Scores are scaled to integers (1e-6 resolution), which is what makes the solver exact.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow  # type: ignore[import-untyped]

SCALE = 1_000_000


@dataclass(frozen=True)
class Edge:
    """A candidate pair: a mentee and a mentor, or a participant (`mentee`) and an opening
    (`mentor`): the left and the right side of the graph."""

    mentee: Hashable
    mentor: Hashable
    score: float


def scaled(score: float) -> int:
    return round(score * SCALE)


def assign(edges: Sequence[Edge], capacity: Mapping[Hashable, int]) -> dict[Hashable, Hashable]:
    """Mentee -> mentor with the maximal total score; a mentor gets at most its capacity."""
    one = dict.fromkeys((e.mentee for e in edges), 1)
    return {e.mentee: e.mentor for e in choose(edges, one, capacity)}


def choose(
    edges: Sequence[Edge], left: Mapping[Hashable, int], right: Mapping[Hashable, int]
) -> list[Edge]:
    """The pairs with the maximal total score such that no left node is in more than
    `left[node]` of them and no right node in more than `right[node]` (missing: 0)."""
    usable = [
        e
        for e in edges
        if left.get(e.mentee, 0) > 0 and right.get(e.mentor, 0) > 0 and scaled(e.score) > 0
    ]
    if not usable:
        return []
    graph = _Graph(usable, left, right)
    n, k = len(graph.lefts), len(graph.rights)
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(*graph.arcs())
    source, sink = n + k, n + k + 1
    supply = sum(left[m] for m in graph.lefts)
    supplies = np.zeros(n + k + 2, dtype=np.int64)
    supplies[source], supplies[sink] = supply, -supply
    flow.set_nodes_supplies(np.arange(n + k + 2, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min cost flow failed with status {status}")
    first = n  # the left -> right arcs follow the n source -> left ones
    used = flow.flows(arcs[first : first + len(usable)])
    return [usable[i] for i in np.flatnonzero(used > 0)]


class _Graph:
    """The flow network's nodes: left 0..n-1, right n..n+k-1, then source and sink."""

    def __init__(
        self, usable: Sequence[Edge], left: Mapping[Hashable, int], right: Mapping[Hashable, int]
    ) -> None:
        self.usable = usable
        self.lefts = list(dict.fromkeys(e.mentee for e in usable))
        self.rights = list(dict.fromkeys(e.mentor for e in usable))
        self.left_caps = [left[m] for m in self.lefts]
        self.right_caps = [right[m] for m in self.rights]

    def arcs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Tails, heads, capacities and unit costs of every arc, in that order: source ->
        left, left -> right, left -> sink (unused), right -> sink."""
        usable, n, k = self.usable, len(self.lefts), len(self.rights)
        left_ix = {m: i for i, m in enumerate(self.lefts)}
        right_ix = {m: i for i, m in enumerate(self.rights)}
        source, sink = n + k, n + k + 1
        tails = np.concatenate(
            [
                np.full(n, source),
                [left_ix[e.mentee] for e in usable],
                np.arange(n),
                n + np.arange(k),
            ]
        ).astype(np.int32)
        heads = np.concatenate(
            [
                np.arange(n),
                [n + right_ix[e.mentor] for e in usable],
                np.full(n, sink),
                np.full(k, sink),
            ]
        ).astype(np.int32)
        caps = np.concatenate(
            [self.left_caps, np.ones(len(usable)), self.left_caps, self.right_caps]
        ).astype(np.int64)
        costs = np.concatenate(
            [np.zeros(n), [-scaled(e.score) for e in usable], np.zeros(n), np.zeros(k)]
        ).astype(np.int64)
        return tails, heads, caps, costs


def total(assignment: dict[Hashable, Hashable], edges: Sequence[Edge]) -> int:
    """The scaled total score of an assignment (what `assign` maximises)."""
    best = {(e.mentee, e.mentor): scaled(e.score) for e in edges}
    return sum(best[(a, b)] for a, b in assignment.items())


def total_of(chosen: Sequence[Edge]) -> int:
    """The scaled total score of chosen pairs (what `choose` maximises)."""
    return sum(scaled(e.score) for e in chosen)
