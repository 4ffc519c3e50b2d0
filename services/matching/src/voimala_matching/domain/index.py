"""In-memory, vectorised rankings for large numbers: top-k candidates among hundreds of
thousands of profiles, top-k openings among tens of thousands.

Each index keeps columns (numpy arrays, one row per profile or opening) and posting lists
(skill or word -> rows), updated one row at a time as profiles and openings change. A query
computes every factor of `scoring.py` for all rows at once, with the same floating-point
operations in the same order, picks the best k, and explains them with `scoring.py` itself, so
that a ranked explanation is exactly the one the pair would get alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Iterable

import numpy as np
import numpy.typing as npt
from voimala_contracts.matching import Explanation

from .scoring import (
    PAY_SUBSIDY_GROUPS,
    Filtered,
    Opening,
    Profile,
    Weights,
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
    (`round4`, the same operations), then by id (a UUID's string order is its integer order)."""
    rows = np.flatnonzero(mask)
    if len(rows) == 0:
        return []
    rounded = np.floor(np.minimum(score[rows], 1.0) * 10000.0 + 0.5) / 10000.0
    if len(rows) > k:
        kth = np.partition(rounded, len(rows) - k)[len(rows) - k]
        keep = rounded >= kth
        rows, rounded = rows[keep], rounded[keep]
    order = np.lexsort((lo[rows], hi[rows], -rounded))
    return [int(r) for r in rows[order[:k]]]


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


class ProfileIndex:
    """Every candidate profile, for top-k candidates of one opening."""

    def __init__(self, weights: Weights) -> None:
        self.weights = weights
        self.cols = _Columns(
            {
                "alive": np.bool_,
                "hi": np.uint64,
                "lo": np.uint64,
                "youth": np.bool_,
                "pay_ok": np.bool_,
                "priority": np.float64,
                "muni": np.int32,
                "avail": np.uint64,
                "avail_empty": np.bool_,
            }
        )
        self.langs: dict[str, np.ndarray] = {}
        self.skills = _Postings()
        self.words = _Postings()
        self.munis = _Codes()
        self.hours: dict[str, int] = {}
        self.ids: list[Hashable] = []
        self.row: dict[Hashable, int] = {}
        self.profiles: dict[Hashable, Profile] = {}

    def __len__(self) -> int:
        return len(self.profiles)

    def _bits(self, availability: Iterable[str]) -> int:
        bits = 0
        for a in availability:
            if a not in self.hours:
                if len(self.hours) >= 64:
                    continue  # beyond 64 kinds of hours: not indexed (an unknown value)
                self.hours[a] = len(self.hours)
            bits |= 1 << self.hours[a]
        return bits

    def _lang(self, code: str) -> np.ndarray:
        if code not in self.langs:
            self.langs[code] = np.zeros(len(self.cols.cols["alive"]), dtype=np.uint8)
        col = self.langs[code]
        if len(col) < len(self.cols.cols["alive"]):
            grown = np.zeros(len(self.cols.cols["alive"]), dtype=np.uint8)
            grown[: len(col)] = col
            self.langs[code] = col = grown
        return col

    def upsert(self, p: Profile) -> None:
        """Add or replace one profile; one that is no candidate is removed."""
        if not p.matching_consent or p.status != "active":
            self.remove(p.participant_id)
            return
        old = self.profiles.get(p.participant_id)
        row = self.row.get(p.participant_id)
        if row is None:
            row = self.cols.new_row()
            self.ids.append(p.participant_id)
            self.row[p.participant_id] = row
        if old is not None:
            self.skills.remove(row, old.skills - p.skills)
            self.skills.add(row, p.skills - old.skills)
            old_words, new_words = words(old.goals), words(p.goals)
            self.words.remove(row, old_words - new_words)
            self.words.add(row, new_words - old_words)
        else:
            self.skills.add(row, p.skills)
            self.words.add(row, words(p.goals))
        self._set_columns(row, p)
        self.profiles[p.participant_id] = p

    def _set_columns(self, row: int, p: Profile) -> None:
        c = self.cols
        c.set("alive", row, True)
        hi, lo = _halves(p.participant_id)
        c.set("hi", row, hi)
        c.set("lo", row, lo)
        c.set("youth", row, p.youth)
        c.set("pay_ok", row, p.target_group in PAY_SUBSIDY_GROUPS)
        c.set("priority", row, priority_value(p)[0])
        c.set("muni", row, self.munis.of(p.municipality))
        bits = self._bits(p.availability)
        c.set("avail", row, bits)
        c.set("avail_empty", row, not p.availability)
        for code in list(self.langs):
            if code not in p.languages:
                self._lang(code)[row] = 0  # (grown with the other columns)
        for code, level in p.languages.items():
            self._lang(code)[row] = level

    def remove(self, participant_id: Hashable) -> None:
        row = self.row.get(participant_id)
        old = self.profiles.pop(participant_id, None)
        if row is None or old is None:
            return
        self.cols.set("alive", row, False)
        self.skills.remove(row, old.skills)
        self.words.remove(row, words(old.goals))

    def bulk_load(self, profiles: Iterable[Profile]) -> None:
        """Load many profiles into an empty index at once (start-up)."""
        skill_rows: dict[str, list[int]] = {}
        word_rows: dict[str, list[int]] = {}
        for p in profiles:
            if not p.matching_consent or p.status != "active":
                continue
            row = self.cols.new_row()
            self.ids.append(p.participant_id)
            self.row[p.participant_id] = row
            self.profiles[p.participant_id] = p
            for s in p.skills:
                skill_rows.setdefault(s, []).append(row)
            for w in words(p.goals):
                word_rows.setdefault(w, []).append(row)
            self._set_columns(row, p)
        self.skills.bulk(skill_rows)
        self.words.bulk(word_rows)

    def _skills(
        self, required: list[str], nice: list[str], n: int, mask: npt.NDArray[np.bool_]
    ) -> F | float:
        """The skills factor; drops from `mask` those without any required skill."""
        parts: list[tuple[float, F]] = []
        if required:
            held = self.skills.count(required, n)
            mask &= held > 0
            parts.append((2.0, held / len(required)))
        if nice:
            parts.append((1.0, self.skills.count(nice, n) / len(nice)))
        if not parts:
            return 1.0
        acc = parts[0][0] * parts[0][1]
        for pw, v in parts[1:]:
            acc = acc + pw * v
        total: float = sum(pw for pw, _ in parts)
        result: F = acc / total
        return result

    def scores(self, o: Opening) -> tuple[F, npt.NDArray[np.bool_]]:
        """Every row's score for the opening, and which rows pass the hard filters."""
        c, n, w = self.cols, self.cols.n, self.weights
        mask = self._filters(o, n)
        required, nice = norm(o.required_skills), norm(o.nice_skills)
        skills = self._skills(required, nice, n, mask)
        table = np.array(
            [location_value(name, o.municipality, o.remote)[0] for name in self.munis.names]
        )
        topic = words(o.title) | words(o.description) | frozenset(required) | frozenset(nice)
        factors: list[tuple[float, F | float]] = [
            (w.skills, skills),
            (w.languages, self._languages(o, n)),
            (w.location, table[c["muni"]]),
            (w.availability, self._availability(o, n)),
            (w.goals, np.minimum(1.0, self.words.count(topic, n) / 3)),
            (w.priority, c["priority"]),
        ]
        return _weighted(factors, n), mask

    def _filters(self, o: Opening, n: int) -> npt.NDArray[np.bool_]:
        """The rows that pass the opening's hard filters but the skills one (`_skills`)."""
        c = self.cols
        mask: npt.NDArray[np.bool_] = c["alive"].copy()
        for code, minimum in o.languages.items():
            col = self.langs.get(code)
            mask &= False if col is None else col[:n] >= minimum
        if o.type == "pay_subsidised_job":
            mask &= c["pay_ok"]
        if o.type == "summer_job_youth":
            mask &= c["youth"]
        return mask

    def _languages(self, o: Opening, n: int) -> F | float:
        if not o.languages:
            return 1.0
        margins = np.zeros(n, dtype=np.float64)
        for code, minimum in o.languages.items():
            col = self.langs.get(code)
            level = np.zeros(n) if col is None else col[:n].astype(np.float64)
            margins = margins + np.minimum(1.0, 0.75 + 0.25 * (level - minimum))
        languages: F = margins / len(o.languages)
        return languages

    def _availability(self, o: Opening, n: int) -> F | float:
        if not o.hours:
            return 1.0
        c = self.cols
        bit = self.hours.get(o.hours)
        has = (
            np.zeros(n, dtype=np.bool_) if bit is None else (c["avail"] & np.uint64(1 << bit)) != 0
        )
        availability: F = np.where(has, 1.0, np.where(c["avail_empty"], 0.5, 0.0))
        return availability

    def top(self, o: Opening, k: int) -> Ranked:
        score, mask = self.scores(o)
        out = []
        for row in _top(score, mask, self.cols["hi"], self.cols["lo"], k):
            pid = self.ids[row]
            e = score_opening(self.profiles[pid], o, self.weights)
            assert not isinstance(e, Filtered)
            out.append((pid, e))
        return out


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

    def scores(self, p: Profile) -> tuple[F, npt.NDArray[np.bool_]]:
        """Every row's score for the participant, and which rows pass the hard filters."""
        c, n, w = self.cols, self.cols.n, self.weights
        mask = self._filters(p, n)
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

    def _filters(self, p: Profile, n: int) -> npt.NDArray[np.bool_]:
        """The rows that pass the hard filters for `p` but the skills one (`_skills`)."""
        c = self.cols
        mask: npt.NDArray[np.bool_] = c["alive"].copy()
        for code, col in self.lang_min.items():
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
        held = self.required.count(p.skills, n)
        mask &= (n_req == 0) | (held > 0)
        req = held / np.maximum(n_req, 1.0)
        nice = self.nice.count(p.skills, n) / np.maximum(n_nice, 1.0)
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
