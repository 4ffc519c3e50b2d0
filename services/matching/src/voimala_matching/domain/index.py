"""In-memory, vectorised rankings for large numbers: top-k candidates among hundreds of
thousands of profiles, top-k openings among tens of thousands.

Each index keeps columns (numpy arrays, one row per profile or opening) and posting lists
(skill or word -> rows), updated one row at a time as profiles and openings change. A query
computes every factor of `scoring.py` for all rows at once, with the same floating-point
operations in the same order, picks the best k, and explains them with `scoring.py` itself, so
that a ranked explanation is exactly the one the pair would get alone.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Hashable, Iterable
from typing import Any

import numpy as np
import numpy.typing as npt
from voimala_contracts.matching import Explanation

from .scoring import (
    PARTIAL,
    PAY_SUBSIDY_GROUPS,
    Filtered,
    Opening,
    Profile,
    Weights,
    asked,
    location_value,
    norm,
    priority_value,
    score_opening,
    words,
)

F = npt.NDArray[np.float64]
Ranked = list[tuple[Hashable, Explanation]]


class _Postings:
    """key -> rows holding it (each once, in no order); a row's keys change by whole sets."""

    def __init__(self) -> None:
        self.rows: dict[str, npt.NDArray[np.int32]] = {}

    def add(self, row: int, keys: Iterable[str]) -> None:
        for key in keys:
            found = self.rows.get(key)
            one = np.array([row], dtype=np.int32)
            # Callers add only keys the row does not hold yet: an append keeps rows unique.
            self.rows[key] = one if found is None else np.append(found, one)

    def remove(self, row: int, keys: Iterable[str]) -> None:
        for key in keys:
            found = self.rows.get(key)
            if found is not None:
                self.rows[key] = found[found != row]

    def bulk(self, pairs: dict[str, list[int]]) -> None:
        for key, rows in pairs.items():
            self.rows[key] = np.unique(np.array(rows, dtype=np.int32))

    def count(self, keys: Iterable[str], n: int) -> F:
        """How many of `keys` each row holds (keys distinct): one bincount over their rows."""
        found = [rows for key in keys if (rows := self.rows.get(key)) is not None and len(rows)]
        if not found:
            return np.zeros(n, dtype=np.float64)
        counts = np.bincount(np.concatenate(found), minlength=n)[:n]
        return counts.astype(np.float64)


class _Columns:
    """Growable numpy columns."""

    def __init__(self, spec: dict[str, npt.DTypeLike], capacity: int = 1024) -> None:
        self.spec = spec
        self.n = 0
        self.cols: dict[str, np.ndarray] = {k: np.zeros(capacity, dtype=t) for k, t in spec.items()}

    def new_row(self) -> int:
        if self.n == len(next(iter(self.cols.values()))):
            for k, col in self.cols.items():
                grown = np.zeros(len(col) * 2, dtype=col.dtype)
                grown[: len(col)] = col
                self.cols[k] = grown
        self.n += 1
        return self.n - 1

    def reserve(self, m: int) -> None:
        """Room for `m` more rows at once, counted as added (bulk loads)."""
        size = len(next(iter(self.cols.values())))
        if self.n + m > size:
            size = max(size * 2, self.n + m)
            for k, col in self.cols.items():
                grown = np.zeros(size, dtype=col.dtype)
                grown[: len(col)] = col
                self.cols[k] = grown
        self.n += m

    def __getitem__(self, key: str) -> np.ndarray:
        return self.cols[key][: self.n]

    def set(self, key: str, row: int, value: object) -> None:
        self.cols[key][row] = value


class _Codes:
    """Small vocabularies (municipalities, hours) as integer codes; 0 = unknown."""

    def __init__(self) -> None:
        self.code: dict[str, int] = {}
        self.names: list[str | None] = [None]

    def of(self, name: str | None) -> int:
        if not name:
            return 0
        key = name.strip().lower()
        if key not in self.code:
            self.code[key] = len(self.names)
            self.names.append(key)
        return self.code[key]


def _top(
    score: F, mask: npt.NDArray[np.bool_], hi: np.ndarray, lo: np.ndarray, k: int
) -> list[int]:
    """Rows of the best k among `mask`: by the score rounded as explanations round it
    (`round4`, the same operations), then by id (`_first`)."""
    rows = np.flatnonzero(mask)
    if len(rows) == 0:
        return []
    return [int(r) for r in rows[_first(score[rows], hi[rows], lo[rows], k)]]


def _weighted(factors: list[tuple[float, F | float]], n: int) -> F:
    """The weighted mean of the factors, summed in `scoring._explain`'s order and operations."""
    weight_sum = sum(fw for fw, _ in factors) or 1.0
    score: F = np.zeros(n, dtype=np.float64)
    for fw, v in factors:
        score = score + fw * np.asarray(v, dtype=np.float64) / weight_sum
    return score


def _halves(u: object) -> tuple[int, int]:
    """A UUID as two unsigned 64-bit halves (for ordering by id in numpy)."""
    assert isinstance(u, uuid.UUID), "index ids are UUIDs"
    return u.int >> 64, u.int & 0xFFFFFFFFFFFFFFFF


#: Bits of a row's `base` code (`ProfileIndex`); the municipality's code sits above them.
_PRIORITY_CLASS = {0.0: 0, 0.6: 1, 1.0: 2}
_PRIORITY_VALUE = np.array([0.0, 0.6, 1.0, 0.0])
_EMPTY, _YOUTH, _PAY, _ALIVE, _HAS_HOURS = 4, 8, 16, 32, 64
#: A language's level (`LEVELS`: 0 none, 1..7) sits in three bits above those, put there by
#: the language's own column (kept shifted) when a query asks that language.
_LEVEL_SHIFT, _MAX_LEVEL = 7, 7
_MUNI_SHIFT = 10
#: How far below the k-th approximate score a row may still be among the exact k best: the
#: exact score's rounding (0.00005) and float32 error (< 1e-6), each twice, with room to spare.
_MARGIN = np.float32(0.0002)
#: Per row, how many required and nice skills it holds (own, broader only) and goal words.
_Counts = dict[str, npt.NDArray[np.uint8] | None]


#: The most a row's jitter (`_jitter`) adds to its cost: a few hundred float32 steps below 1.
_JITTER = 2.0**-16


def _jitter(n: int) -> npt.NDArray[np.float32]:
    """A small fixed number in [0, `_JITTER`) for each of rows 0..n-1, scattered by the row's
    number, added to the approximate cost before its k-th is found (`_near_best`)."""
    spread = (np.arange(n, dtype=np.uint64) * np.uint64(2654435761)) & np.uint64(0xFFFFFFFF)
    jitter: npt.NDArray[np.float32] = (spread * (_JITTER / 2.0**32)).astype(np.float32)
    return jitter


def _near_best(
    approx: npt.NDArray[np.float32], jitter: npt.NDArray[np.float32], k: int
) -> npt.NDArray[np.intp]:
    """Rows whose approximate score is within `_MARGIN` of the k-th best's (never a filtered
    one): a superset of the k best by exact score.

    The k-th is found by `np.partition` on a cost, -score (lower is better: a filtered row
    is +inf), plus a jitter. numpy's selection (x86-simd-sort) stalls and falls back to
    sorting the whole range when most of it equals the range's smallest value: on the score
    itself that is every query whose hard filters remove most rows (-inf, the smallest: a
    youth-only opening leaves 20 %), 10-40 ms instead of 0.5 (bench/matching_ranking.py, the
    slowest queries). On the cost the filtered rows are the largest, and the jitter splits
    any plateau of equal scores into hundreds of values. The jittered k-th cost is at least
    the k-th cost and at most `_JITTER` above it, so the rows within `_MARGIN + _JITTER` of
    it are a superset of those within `_MARGIN` of the k-th score.

    A partition of every row costs as much as the scan's table lookups: first a sample of
    every `step`-th row gives a cost t that about 2k rows are at or below (k at least, or
    else every row is partitioned); the k-th is among those rows, and usually every row
    wanted too. Only the rows partitioned are negated and jittered."""
    step = len(approx) // (16 * k)
    if step >= 4:
        sample = np.subtract(jitter[::step], approx[::step])
        t = float(np.partition(sample, 2 * k // step + 1)[2 * k // step + 1])
        rows = np.flatnonzero(approx >= -t)
        if len(rows) >= k:
            kth = float(np.partition(jitter[rows] - approx[rows], k - 1)[k - 1])
            threshold = kth + float(_MARGIN) + _JITTER
            if kth == np.inf:  # (fewer than k rows pass the hard filters)
                return np.flatnonzero(approx > -np.inf)
            if threshold <= t:
                near: npt.NDArray[np.intp] = rows[approx[rows] >= -threshold]
                return near
            return np.flatnonzero(approx >= -threshold)
    if len(approx) <= k:
        return np.flatnonzero(approx > -np.inf)
    kth = float(np.partition(np.subtract(jitter, approx), k - 1)[k - 1])
    if kth == np.inf:
        return np.flatnonzero(approx > -np.inf)
    return np.flatnonzero(approx >= -(kth + float(_MARGIN) + _JITTER))


def _first(score: F, hi: np.ndarray, lo: np.ndarray, k: int) -> npt.NDArray[np.intp]:
    """Positions of the k best by `score` rounded as explanations round it (`round4`, the same
    operations), then by id (a UUID's string order is its integer order). Many rows (a
    plateau of equal scores at the k-th) are first cut by a partition on one distinct key,
    the rounded score above the id's top 50 bits (ties on a plateau would stall the
    partition, see `_near_best`); the rows up to the k-th key are sorted exactly."""
    q = np.floor(np.minimum(score, 1.0) * 10000.0 + 0.5)  # the rounded score x 10000
    pos = np.arange(len(q))
    if len(q) > 4 * k:
        key = ((10000.0 - q).astype(np.uint64) << np.uint64(50)) | (hi >> np.uint64(14))
        pos = np.flatnonzero(key <= np.partition(key, k - 1)[k - 1])
    order = np.lexsort((lo[pos], hi[pos], -q[pos]))[:k]
    result: npt.NDArray[np.intp] = pos[order]
    return result


class _Bits:
    """Keys (skills or goal words) of each row: the 64 most frequent as bits of a uint64
    column, the rest in posting lists. A key keeps its place for the index's life."""

    def __init__(self) -> None:
        self.bit: dict[str, int] = {}
        self.rare = _Postings()
        self.union = 0  # every bit some row has ever held (a query skips a column without)

    def reserve(self, keys: Iterable[str]) -> None:
        """Give bits to keys (most frequent first) while bits are free."""
        for key in keys:
            if len(self.bit) >= 64:
                return
            self.bit.setdefault(key, len(self.bit))

    def row_bits(self, keys: Iterable[str]) -> tuple[int, list[str]]:
        """A row's bits for `keys`, and those of its keys kept in posting lists."""
        bits, rare = 0, []
        for key in keys:
            if key not in self.bit and len(self.bit) < 64:
                self.bit[key] = len(self.bit)  # (a key once kept in posting lists stays there)
            b = self.bit.get(key)
            if b is None:
                rare.append(key)
            else:
                bits |= 1 << b
        self.union |= bits
        return bits, rare

    def count(self, col: np.ndarray, keys: Iterable[str], n: int) -> npt.NDArray[np.uint8] | None:
        """How many of `keys` (distinct) each row holds; None for none anywhere."""
        mask, rare = 0, []
        for key in keys:
            b = self.bit.get(key)
            if b is None:
                rare.append(key)
            else:
                mask |= 1 << b
        mask &= self.union
        held = np.bitwise_count(col & np.uint64(mask)) if mask else None
        for key in rare:
            rows = self.rare.rows.get(key)
            if rows is not None and len(rows):
                if held is None:
                    held = np.zeros(n, dtype=np.uint8)
                held[rows] += 1
        return held


def _by_frequency(sets: Iterable[Iterable[str]]) -> list[str]:
    """Keys, the most frequent first."""
    counts: dict[str, int] = {}
    for keys in sets:
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
    return sorted(counts, key=lambda key: -counts[key])


class _Wide:
    """Columns created on demand (one per language or kind of hours), grown with the rest."""

    def __init__(self, dtype: npt.DTypeLike) -> None:
        self.dtype = dtype
        self.cols: dict[str, np.ndarray] = {}

    def col(self, key: str, size: int) -> np.ndarray:
        col = self.cols.get(key)
        if col is None or len(col) < size:
            grown = np.zeros(size, dtype=self.dtype)
            if col is not None:
                grown[: len(col)] = col
            self.cols[key] = col = grown
        return col


def _shifted(level: int) -> int:
    """A language level as kept in the index's language columns (`_LEVEL_SHIFT`)."""
    if not 0 <= level <= _MAX_LEVEL:
        raise ValueError(f"a language level is 0..{_MAX_LEVEL} (LEVELS), not {level}")
    return level << _LEVEL_SHIFT


def _skills_code(counts: _Counts, nr: int, nn: int, n: int) -> tuple[npt.NDArray[Any], int]:
    """Each row's code in the skills table (`ProfileIndex._skills_table`): (2 x required,
    2 x nice credit, goal words) in mixed radix; goal words as counted (up to 255) where the
    table stays within 16-bit codes, else capped at 3 (where the goals factor is full anyway).
    And the goal words' radix."""
    small = (2 * nr + 1) * (2 * nn + 1) <= 256
    goal_radix, kind = (256, np.uint16) if small else (4, np.uint32)
    goals = counts["goals"]
    code: npt.NDArray[Any]
    if goals is None:
        code = np.zeros(n, kind)
    else:
        code = goals.astype(kind) if small else np.minimum(goals, 3).astype(kind)
    stride = (2 * nn + 1) * goal_radix
    strides = {"own_r": 2 * stride, "broad_r": stride, "own_n": 2 * goal_radix}
    for name, times in (strides | {"broad_n": goal_radix}).items():
        held = counts[name]
        if held is not None:
            code += np.multiply(held, kind(times), dtype=kind)
    return code, goal_radix


def _lookup(codes: np.ndarray, table: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    out: npt.NDArray[np.float32] = np.take(table, codes)
    return out


class ProfileIndex:
    """Every candidate profile, for top-k candidates of one opening.

    A row keeps what the factors need as small codes: a `base` code (municipality, priority
    class, whether availability is empty, youth, pay-subsidy eligibility, alive), skills and
    goal words as bits (`_Bits`), a level per language and a bit per kind of hours (both kept
    as bits to OR into the base code). A query makes, for all rows at once, an approximate
    float32 score from two table lookups (the base code with the first language's level and
    the hours asked; the skill and goal counts), one more per further language (a hard
    filter's table entry is -inf), keeps the rows within `_MARGIN` of the k-th, scores those
    exactly as `scoring.py` does (same float64 operations in the same order), takes the k
    best and explains only those with `scoring.py` itself. Each pass over every row costs
    about as much as another (memory, not arithmetic): fewer passes is what makes it quick.
    """

    def __init__(self, weights: Weights) -> None:
        self.weights = weights
        spec: dict[str, npt.DTypeLike] = {"hi": np.uint64, "lo": np.uint64, "base": np.uint32}
        self.cols = _Columns(spec | {"own": np.uint64, "broad": np.uint64, "words": np.uint64})
        self.langs = _Wide(np.uint32)  # the level, shifted (`_shifted`)
        self.hours = _Wide(np.uint32)
        self.skills = _Bits()
        self.broad = _Bits()  # broader-only skills: the skills' bits, their own lists
        self.broad.bit = self.skills.bit
        self.words = _Bits()
        self.munis = _Codes()
        self.ids: list[Hashable] = []
        self.row: dict[Hashable, int] = {}
        self.profiles: dict[Hashable, Profile] = {}
        self.jitter = _jitter(0)
        self._skills_tables: dict[tuple[int, int, int], npt.NDArray[np.float32]] = {}
        self._base_tables: dict[object, object] = {}

    def __len__(self) -> int:
        return len(self.profiles)

    def upsert(self, p: Profile) -> None:
        """Add or replace one profile; one that is no candidate is removed."""
        if not p.matching_consent or p.status != "active":
            self.remove(p.participant_id)
            return
        self.remove(p.participant_id)
        row = self.row.get(p.participant_id)
        if row is None:
            row = self.cols.new_row()
            self.ids.append(p.participant_id)
            self.row[p.participant_id] = row
        self._set_row(row, p)
        self.profiles[p.participant_id] = p

    def _set_row(self, row: int, p: Profile) -> None:
        c, size = self.cols, len(self.cols.cols["hi"])
        own, rare_own = self.skills.row_bits(p.skills - p.broader_only)
        broad, rare_broad = self.broad.row_bits(p.broader_only)
        goal_words, rare_words = self.words.row_bits(words(p.goals))
        self.skills.rare.add(row, rare_own)
        self.broad.rare.add(row, rare_broad)
        self.words.rare.add(row, rare_words)
        hi, lo = _halves(p.participant_id)
        for key, value in (("hi", hi), ("lo", lo), ("own", own), ("broad", broad)):
            c.set(key, row, value)
        c.set("words", row, goal_words)
        c.set("base", row, self._base(p))
        for code in set(self.langs.cols) | set(p.languages):
            self.langs.col(code, size)[row] = _shifted(p.languages.get(code, 0))
        for kind in set(self.hours.cols) | set(p.availability):
            self.hours.col(kind, size)[row] = _HAS_HOURS if kind in p.availability else 0

    def remove(self, participant_id: Hashable) -> None:
        row = self.row.get(participant_id)
        old = self.profiles.pop(participant_id, None)
        if row is None or old is None:
            return
        self.cols.set("base", row, 0)  # not alive: every query's tables give it -inf
        self.skills.rare.remove(row, old.skills - old.broader_only)
        self.broad.rare.remove(row, old.broader_only)
        self.words.rare.remove(row, words(old.goals))

    def bulk_load(self, profiles: Iterable[Profile]) -> None:
        """Load many profiles into an empty index at once (start-up): the most frequent
        skills and words get the bits, the rest posting lists; columns filled whole."""
        kept = [p for p in profiles if p.matching_consent and p.status == "active"]
        if self.cols.n or self.profiles:
            for p in kept:
                self.upsert(p)
            return
        kept = list({p.participant_id: p for p in kept}.values())  # the last of each
        goals = [words(p.goals) for p in kept]
        self.skills.reserve(_by_frequency(p.skills for p in kept))
        self.words.reserve(_by_frequency(goals))
        rare: dict[str, dict[str, list[int]]] = {"own": {}, "broad": {}, "words": {}}
        bits: dict[str, list[int]] = {"own": [], "broad": [], "words": []}
        for row, (p, held_words) in enumerate(zip(kept, goals, strict=True)):
            for name, keys, into in (
                ("own", p.skills - p.broader_only, self.skills),
                ("broad", p.broader_only, self.broad),
                ("words", held_words, self.words),
            ):
                b, rare_keys = into.row_bits(keys)
                bits[name].append(b)
                for key in rare_keys:
                    rare[name].setdefault(key, []).append(row)
        self.skills.rare.bulk(rare["own"])
        self.broad.rare.bulk(rare["broad"])
        self.words.rare.bulk(rare["words"])
        self._fill(kept, bits)

    def _fill(self, kept: list[Profile], bits: dict[str, list[int]]) -> None:
        """The columns of `kept` as rows 0.. of an empty index."""
        c, m = self.cols, len(kept)
        c.reserve(m)
        ids = [p.participant_id for p in kept]
        halves = [_halves(i) for i in ids]
        values: dict[str, list[int]] = bits | {
            "hi": [h for h, _ in halves],
            "lo": [lo for _, lo in halves],
            "base": [self._base(p) for p in kept],
        }
        for key, column in values.items():
            c.cols[key][:m] = np.array(column, dtype=c.cols[key].dtype)
        size = len(c.cols["hi"])
        for row, p in enumerate(kept):
            for code, level in p.languages.items():
                self.langs.col(code, size)[row] = _shifted(level)
            for kind in p.availability:
                self.hours.col(kind, size)[row] = _HAS_HOURS
        self.ids.extend(ids)
        self.row.update((pid, row) for row, pid in enumerate(ids))
        self.profiles.update(zip(ids, kept, strict=True))

    def _base(self, p: Profile) -> int:
        base = _PRIORITY_CLASS[priority_value(p)[0]] | _ALIVE
        base |= (_EMPTY if not p.availability else 0) | (_YOUTH if p.youth else 0)
        base |= _PAY if p.target_group in PAY_SUBSIDY_GROUPS else 0
        return base | (self.munis.of(p.municipality) << _MUNI_SHIFT)

    def top(self, o: Opening, k: int) -> Ranked:
        n = self.cols.n
        found = self._approximate(o, n)
        if found is None or k <= 0:
            return []
        approx, counts = found
        if len(self.jitter) < n:
            self.jitter = _jitter(max(n, 2 * len(self.jitter)))
        near = _near_best(approx, self.jitter[:n], k)
        c = self.cols
        best = near[_first(self._exact(o, near, counts), c["hi"][near], c["lo"][near], k)]
        out, known = [], asked(o)
        for row in best:
            pid = self.ids[int(row)]
            e = score_opening(self.profiles[pid], o, self.weights, known)
            assert not isinstance(e, Filtered)
            out.append((pid, e))
        return out

    def near(self, o: Opening, k: int) -> Ranked:
        """The k best who miss the opening only by a language level (every other hard filter
        passed), scored and explained without that filter (`score_opening(levels=False)`)."""
        n = self.cols.n
        if not o.languages or k <= 0 or n == 0:
            return []
        found = self._approximate(dataclasses.replace(o, languages={}), n)
        if found is None:
            return []
        approx, w = found[0], self.weights
        total = sum(dataclasses.astuple(w)) or 1.0
        approx -= np.float32(w.languages / total)  # (the factor as if no language were asked)
        below = np.zeros(n, dtype=np.bool_)
        for code, minimum in o.languages.items():
            col = self.langs.cols.get(code)
            margin = np.clip(0.75 + 0.25 * (np.arange(256.0) - minimum), 0.0, 1.0)
            value = (w.languages * margin / len(o.languages) / total).astype(np.float32)
            approx += value[0] if col is None else _lookup(col[:n] >> _LEVEL_SHIFT, value)
            below |= True if col is None else col[:n] < (minimum << _LEVEL_SHIFT)
        approx[~below] = -np.inf
        rows = np.flatnonzero(approx > -np.inf)
        if len(rows) > 4 * k:  # (approximate: a margin of rows, then exactly)
            rows = rows[np.argpartition(approx[rows], len(rows) - 4 * k)[len(rows) - 4 * k :]]
        known, scored = asked(o), []
        for row in rows:
            pid = self.ids[int(row)]
            e = score_opening(self.profiles[pid], o, self.weights, known, levels=False)
            if not isinstance(e, Filtered):
                scored.append((pid, e))
        scored.sort(key=lambda x: (-x[1].score, str(x[0])))
        return scored[:k]

    def _base_table(self, o: Opening, total: float) -> npt.NDArray[np.float32]:
        """By base code with the level of the first language asked: location, availability,
        priority and that language (the languages' whole weight if none is asked), -inf
        where a hard filter (alive, pay subsidy, youth, that language's level) fails. Kept
        by what it depends on (openings share it), until the municipalities known grow."""
        first = next(iter(o.languages.values()), None)
        key = (o.municipality, o.remote, bool(o.hours), o.type, first, len(o.languages))
        if self._base_tables.get("munis") != len(self.munis.names) or len(self._base_tables) > 512:
            self._base_tables = {"munis": len(self.munis.names)}
        table = self._base_tables.get(key)
        if not isinstance(table, np.ndarray):
            table = self._base_tables[key] = self._new_base_table(o, total)
        return table

    def _new_base_table(self, o: Opening, total: float) -> npt.NDArray[np.float32]:
        w, b = self.weights, np.arange(1 << _MUNI_SHIFT)
        has, empty = (b & _HAS_HOURS) > 0, (b & _EMPTY) > 0
        availability = np.where(has | (not o.hours), 1.0, np.where(empty, 0.5, 0.0))
        bits = w.availability * availability / total + w.priority * _PRIORITY_VALUE[b & 3] / total
        ok = (b & _ALIVE) > 0
        if o.languages:
            minimum = next(iter(o.languages.values()))
            level = (b >> _LEVEL_SHIFT) & _MAX_LEVEL
            margin = np.minimum(1.0, 0.75 + 0.25 * (level - minimum))
            bits = bits + w.languages * margin / len(o.languages) / total
            ok &= level >= minimum
        else:
            bits = bits + w.languages / total
        if o.type == "pay_subsidised_job":
            ok &= (b & _PAY) > 0
        if o.type == "summer_job_youth":
            ok &= (b & _YOUTH) > 0
        bits = np.where(ok, bits, -np.inf)
        places = [location_value(m, o.municipality, o.remote)[0] for m in self.munis.names]
        location = np.array(places) * w.location / total
        table: npt.NDArray[np.float32] = (location[:, None] + bits[None, :]).astype(np.float32)
        return table.ravel()

    def _skills_table(self, nr: int, nn: int, goal_radix: int) -> npt.NDArray[np.float32]:
        """By (2 x required credit, 2 x nice credit, goal words below `goal_radix`): skills
        and goals; -inf without any required skill. Kept: it depends on the counts only."""
        table = self._skills_tables.get((nr, nn, goal_radix))
        if table is not None:
            return table
        w = self.weights
        total = sum(dataclasses.astuple(w)) or 1.0
        r2 = np.arange(2 * nr + 1)[:, None, None] / 2.0
        n2 = np.arange(2 * nn + 1)[None, :, None] / 2.0
        g = np.arange(goal_radix)[None, None, :]
        if nr and nn:
            skills = (2.0 * r2 / nr + n2 / nn) / 3.0
        elif nr or nn:
            skills = r2 / max(nr, 1) + n2 / max(nn, 1)
        else:
            skills = np.ones_like(r2 + n2)
        value = w.skills * skills / total + w.goals * np.minimum(1.0, g / 3) / total
        if nr:
            value = np.where(r2 > 0, value, -np.inf)
        if len(self._skills_tables) >= 64:
            self._skills_tables.clear()
        table = self._skills_tables[nr, nn, goal_radix] = value.ravel().astype(np.float32)
        return table

    def _counts(self, o: Opening, n: int) -> _Counts:
        c = self.cols
        required, nice = norm(o.required_skills), norm(o.nice_skills)
        topic = words(o.title) | words(o.description) | frozenset(required) | frozenset(nice)
        return {
            "own_r": self.skills.count(c["own"], required, n),
            "broad_r": self.broad.count(c["broad"], required, n),
            "own_n": self.skills.count(c["own"], nice, n),
            "broad_n": self.broad.count(c["broad"], nice, n),
            "goals": self.words.count(c["words"], topic, n),
        }

    def _approximate(self, o: Opening, n: int) -> tuple[npt.NDArray[np.float32], _Counts] | None:
        """Every row's score in float32 (-inf: filtered out), and the counts it came from:
        two table lookups, one more for each language asked beyond the first."""
        if n == 0 or any(code not in self.langs.cols for code in o.languages):
            return None
        w, c = self.weights, self.cols
        total = sum(dataclasses.astuple(w)) or 1.0
        nr, nn = len(norm(o.required_skills)), len(norm(o.nice_skills))
        counts = self._counts(o, n)
        code, goal_radix = _skills_code(counts, nr, nn, n)
        base = c["base"]
        languages = list(o.languages.items())
        if languages:
            base = base | self.langs.cols[languages[0][0]][:n]
        if o.hours in self.hours.cols:
            base = base | self.hours.cols[o.hours][:n]
        approx = _lookup(base, self._base_table(o, total))
        approx += _lookup(code, self._skills_table(nr, nn, goal_radix))
        for lang, minimum in languages[1:]:
            level = np.arange(_MAX_LEVEL + 1.0)
            margin = np.minimum(1.0, 0.75 + 0.25 * (level - minimum))
            value = w.languages * margin / len(o.languages) / total
            table = np.where(level >= minimum, value, -np.inf).astype(np.float32)
            approx += _lookup(self.langs.cols[lang][:n] >> _LEVEL_SHIFT, table)
        return approx, counts

    def _exact(self, o: Opening, rows: npt.NDArray[np.intp], counts: _Counts) -> F:
        """The rows' scores exactly as `scoring.score_opening` computes them."""
        w, m, base = self.weights, len(rows), self.cols["base"][rows]

        def picked(name: str) -> F:
            held = counts[name]
            return np.zeros(m) if held is None else held[rows].astype(np.float64)

        nr, nn = len(norm(o.required_skills)), len(norm(o.nice_skills))
        req = (2.0 * picked("own_r") + picked("broad_r")) / 2.0 / max(nr, 1)
        nice = (2.0 * picked("own_n") + picked("broad_n")) / 2.0 / max(nn, 1)
        skills: F | float = (
            (2.0 * req + 1.0 * nice) / 3.0 if nr and nn
            else 2.0 * req / 2.0 if nr
            else 1.0 * nice / 1.0 if nn
            else 1.0
        )  # fmt: skip
        margins = np.zeros(m)
        for code, minimum in o.languages.items():
            level = (self.langs.cols[code][rows] >> _LEVEL_SHIFT).astype(np.float64)
            margins = margins + np.minimum(1.0, 0.75 + 0.25 * (level - minimum))
        languages = margins / len(o.languages) if o.languages else 1.0
        places = [location_value(x, o.municipality, o.remote)[0] for x in self.munis.names]
        hours = self.hours.cols.get(o.hours or "")
        has = np.zeros(m, np.bool_) if hours is None else hours[rows] != 0
        availability = np.where(has | (not o.hours), 1.0, np.where(base & _EMPTY, 0.5, 0.0))
        factors: list[tuple[float, F | float]] = [
            (w.skills, skills),
            (w.languages, languages),
            (w.location, np.array(places)[base >> _MUNI_SHIFT]),
            (w.availability, availability),
            (w.goals, np.minimum(1.0, picked("goals") / 3)),
            (w.priority, _PRIORITY_VALUE[base & 3]),
        ]
        return _weighted(factors, m)


class OpeningIndex:
    """Every open opening, for top-k openings of one participant."""

    def __init__(self, weights: Weights) -> None:
        self.weights = weights
        self.cols = _Columns(
            {
                "alive": np.bool_,
                "hi": np.uint64,
                "lo": np.uint64,
                "pay": np.bool_,
                "youth_only": np.bool_,
                "n_req": np.float64,
                "n_nice": np.float64,
                "n_lang": np.float64,
                "muni": np.int32,
                "remote": np.bool_,
                "hours": np.int32,
            }
        )
        self.lang_min: dict[str, np.ndarray] = {}
        self.required = _Postings()
        self.nice = _Postings()
        self.topic = _Postings()
        self.munis = _Codes()
        self.hours = _Codes()
        self.ids: list[Hashable] = []
        self.row: dict[Hashable, int] = {}
        self.openings: dict[Hashable, Opening] = {}

    def _keys(self, o: Opening) -> tuple[list[str], list[str], frozenset[str]]:
        required, nice = norm(o.required_skills), norm(o.nice_skills)
        topic = words(o.title) | words(o.description) | frozenset(required) | frozenset(nice)
        return required, nice, topic

    def upsert(self, o: Opening) -> None:
        self.remove(o.opening_id)
        row = self.row.get(o.opening_id)
        if row is None:
            row = self.cols.new_row()
            self.ids.append(o.opening_id)
            self.row[o.opening_id] = row
        required, nice, topic = self._keys(o)
        self.required.add(row, required)
        self.nice.add(row, nice)
        self.topic.add(row, topic)
        c = self.cols
        c.set("alive", row, True)
        hi, lo = _halves(o.opening_id)
        c.set("hi", row, hi)
        c.set("lo", row, lo)
        c.set("pay", row, o.type == "pay_subsidised_job")
        c.set("youth_only", row, o.type == "summer_job_youth")
        c.set("n_req", row, len(required))
        c.set("n_nice", row, len(nice))
        c.set("n_lang", row, len(o.languages))
        c.set("muni", row, self.munis.of(o.municipality))
        c.set("remote", row, o.remote)
        c.set("hours", row, self.hours.of(o.hours))
        size = len(c.cols["alive"])
        for code in list(self.lang_min) + list(o.languages):
            col = self.lang_min.get(code)
            if col is None or len(col) < size:
                grown = np.zeros(size, dtype=np.uint8)
                if col is not None:
                    grown[: len(col)] = col
                self.lang_min[code] = col = grown
            col[row] = o.languages.get(code, 0)
        self.openings[o.opening_id] = o

    def remove(self, opening_id: Hashable) -> None:
        row = self.row.get(opening_id)
        old = self.openings.pop(opening_id, None)
        if row is None or old is None:
            return
        self.cols.set("alive", row, False)
        required, nice, topic = self._keys(old)
        self.required.remove(row, required)
        self.nice.remove(row, nice)
        self.topic.remove(row, topic)

    def top(self, p: Profile, k: int) -> Ranked:
        if not p.matching_consent or p.status != "active" or self.cols.n == 0:
            return []
        score, mask = self.scores(p)
        out = []
        for row in _top(score, mask, self.cols["hi"], self.cols["lo"], k):
            oid = self.ids[row]
            e = score_opening(p, self.openings[oid], self.weights)
            assert not isinstance(e, Filtered)
            out.append((oid, e))
        return out

    def near(self, p: Profile, k: int) -> Ranked:
        """The k best openings `p` misses only by a language level, scored and explained
        without that filter (`score_opening(levels=False)`)."""
        if not p.matching_consent or p.status != "active" or self.cols.n == 0 or k <= 0:
            return []
        n = self.cols.n
        score, mask = self.scores(p, levels=False)
        below = np.zeros(n, dtype=np.bool_)
        for code, col in self.lang_min.items():
            below |= col[:n] > p.languages.get(code, 0)
        scored = []
        for row in _top(score, mask & below, self.cols["hi"], self.cols["lo"], 4 * k):
            oid = self.ids[row]
            e = score_opening(p, self.openings[oid], self.weights, levels=False)
            if not isinstance(e, Filtered):
                scored.append((oid, e))
        scored.sort(key=lambda x: (-x[1].score, str(x[0])))
        return scored[:k]

    def scores(self, p: Profile, levels: bool = True) -> tuple[F, npt.NDArray[np.bool_]]:
        """Every row's score for the participant, and which rows pass the hard filters (the
        language levels' too unless `levels` is False)."""
        c, n, w = self.cols, self.cols.n, self.weights
        mask = self._filters(p, n, levels)
        table = np.array([location_value(p.municipality, name)[0] for name in self.munis.names])
        hours_table = np.array(
            [
                1.0
                if (name is None or name in p.availability)
                else (0.5 if not p.availability else 0.0)
                for name in self.hours.names
            ]
        )
        factors: list[tuple[float, F | float]] = [
            (w.skills, self._skills(p, n, mask)),
            (w.languages, self._languages(p, n)),
            (w.location, np.where(c["remote"], 1.0, table[c["muni"]])),
            (w.availability, hours_table[c["hours"]]),
            (w.goals, np.minimum(1.0, self.topic.count(words(p.goals), n) / 3)),
            (w.priority, priority_value(p)[0]),
        ]
        return _weighted(factors, n), mask

    def _filters(self, p: Profile, n: int, levels: bool = True) -> npt.NDArray[np.bool_]:
        """The rows that pass the hard filters for `p` but the skills one (`_skills`)."""
        c = self.cols
        mask: npt.NDArray[np.bool_] = c["alive"].copy()
        for code, col in self.lang_min.items() if levels else ():
            need = col[:n]
            mask &= (need == 0) | (p.languages.get(code, 0) >= need)
        if p.target_group not in PAY_SUBSIDY_GROUPS:
            mask &= ~c["pay"]
        if not p.youth:
            mask &= ~c["youth_only"]
        return mask

    def _skills(self, p: Profile, n: int, mask: npt.NDArray[np.bool_]) -> F:
        """The skills factor; drops from `mask` the openings whose required skills `p` lacks."""
        n_req, n_nice = self.cols["n_req"], self.cols["n_nice"]
        own, broad = p.skills - p.broader_only, p.broader_only  # (a full and a partial match)
        held, liked = self.required.count(own, n), self.nice.count(own, n)
        if broad:
            held = held + PARTIAL * self.required.count(broad, n)
            liked = liked + PARTIAL * self.nice.count(broad, n)
        mask &= (n_req == 0) | (held > 0)
        req = held / np.maximum(n_req, 1.0)
        nice = liked / np.maximum(n_nice, 1.0)
        both = (2.0 * req + 1.0 * nice) / 3.0
        skills: F = np.where(
            n_req > 0, np.where(n_nice > 0, both, 2.0 * req / 2.0), np.where(n_nice > 0, nice, 1.0)
        )
        return skills

    def _languages(self, p: Profile, n: int) -> F:
        margins = np.zeros(n, dtype=np.float64)
        for code, col in self.lang_min.items():
            need = col[:n].astype(np.float64)
            level = float(p.languages.get(code, 0))
            margins = margins + np.where(
                need > 0, np.minimum(1.0, 0.75 + 0.25 * (level - need)), 0.0
            )
        n_lang = self.cols["n_lang"]
        languages: F = np.where(n_lang > 0, margins / np.maximum(n_lang, 1.0), 1.0)
        return languages
