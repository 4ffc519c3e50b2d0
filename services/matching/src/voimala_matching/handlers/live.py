"""The in-memory ranking indexes of this process, kept in step with the database.

Each ranking request first applies what changed since the last one (profiles, exits and
openings whose `updated_at` is past the watermark, less an overlap for transactions that
committed after a later one had started), so that a ranking reflects every committed change,
and then ranks in memory (`domain/index.py`). The first request loads everything.
"""

from __future__ import annotations

import asyncio
import gc
from datetime import datetime, timedelta
from typing import Any

from voimala_kit import Connection

from ..domain.index import OpeningIndex, ProfileIndex
from ..domain.scoring import Weights
from ..repository import openings, profiles

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

    def _advance(self, what: str, rows: list[dict[str, Any]], column: str) -> None:
        if rows:
            latest = max(r[column] for r in rows)
            seen = self._seen[what]
            self._seen[what] = latest if seen is None else max(seen, latest)

    async def sync(self, conn: Connection) -> None:
        async with self._lock:
            first, self._loaded = not self._loaded, True
            changed = await profiles.changed_since(conn, self._since("profile"))
            if first:
                self.profiles.bulk_load(profiles.to_scoring(r) for r in changed)
                # Hundreds of thousands of long-lived objects: keep the collector from scanning
                # them again and again (its pauses would be the rankings' tail latency).
                gc.freeze()
            else:
                for row in changed:
                    self.profiles.upsert(profiles.to_scoring(row))
            self._advance("profile", changed, "updated_at")
            for row in (gone := await profiles.exited_since(conn, self._since("exit"))):
                self.profiles.remove(row["participant_id"])
            self._advance("exit", gone, "exited_at")
            for row in (moved := await openings.changed_since(conn, self._since("opening"))):
                if row["status"] == "open":
                    self.openings.upsert(openings.to_scoring(row))
                else:
                    self.openings.remove(row["id"])
            self._advance("opening", moved, "updated_at")
