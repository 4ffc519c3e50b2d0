"""The in-memory ranking indexes of this process: the read side of profiles and openings.

The indexes themselves are pure (`domain/index.py`); this keeps one of each per process in step
with the database, which is why it lives with the repositories: each ranking first applies what
changed since the last one (profiles, exits and erasures, and openings whose `updated_at` is
past the watermark, less an overlap for transactions that committed after a later one had
started), so that a ranking reflects every committed change, and then ranks in memory. An
erasure thus leaves every process's index at that process's next ranking, as an exit does.
The first sync (the `ranking_index` worker at start-up, or else the first ranking) loads
everything.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterable
from datetime import datetime, timedelta

from voimala_kit.db import Connection

from ..domain.index import OpeningIndex, ProfileIndex
from ..domain.scoring import Weights
from . import openings, profiles

OVERLAP = timedelta(seconds=10)


class LiveIndexes:
    def __init__(self, weights: Weights) -> None:
        self.profiles = ProfileIndex(weights)
        self.openings = OpeningIndex(weights)
        self._seen: dict[str, datetime | None] = {"profile": None, "exit": None, "opening": None}
        self._lock = asyncio.Lock()
        self._loaded = False

    def _since(self, what: str) -> datetime | None:
        seen = self._seen[what]
        return None if seen is None else seen - OVERLAP

    def _advance(self, what: str, times: Iterable[datetime]) -> None:
        latest = max(times, default=None)
        if latest is not None:
            seen = self._seen[what]
            self._seen[what] = latest if seen is None else max(seen, latest)

    async def sync(self, conn: Connection) -> None:
        """Apply every change committed since the last sync (everything, the first time)."""
        async with self._lock:
            first, self._loaded = not self._loaded, True
            changed = await profiles.changed_since(conn, self._since("profile"))
            if first:
                self.profiles.bulk_load(profiles.to_scoring(r) for r in changed)
                # Hundreds of thousands of objects that live as long as the process: frozen,
                # the collector stops walking them on every full collection, whose pauses
                # would otherwise be the rankings' tail latency (bench/matching_ranking.py).
                gc.freeze()
            else:
                for row in changed:
                    self.profiles.upsert(profiles.to_scoring(row))
            self._advance("profile", (r.updated_at for r in changed))
            gone = await profiles.exited_since(conn, self._since("exit"))
            for exit_ in gone:
                self.profiles.remove(exit_.participant_id)
            self._advance("exit", (r.exited_at for r in gone))
            moved = await openings.changed_since(conn, self._since("opening"))
            for opening in moved:
                if opening.status == "open":
                    self.openings.upsert(openings.to_scoring(opening))
                else:
                    self.openings.remove(opening.id)
            self._advance("opening", (r.updated_at for r in moved))
