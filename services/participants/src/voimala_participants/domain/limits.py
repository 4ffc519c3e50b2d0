"""Limits against floods: how many calls one client may make in an hour."""

from __future__ import annotations

from collections import deque


class HourlyLimit:
    """At most `limit` calls per client in the last hour, counted in this process's memory (a
    limit against floods, not an account: replicas each keep their own). Times are seconds on a
    monotonic clock, given by the caller."""

    HOUR = 3600.0
    #: Clients remembered before all are forgotten at once (a flood of addresses).
    MAX_CLIENTS = 10_000

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.calls: dict[str, deque[float]] = {}

    def retry_after(self, client: str, now: float) -> int:
        """0 when the call may go ahead (and is counted); else seconds to wait."""
        if len(self.calls) > self.MAX_CLIENTS:
            self.calls.clear()
        seen = self.calls.setdefault(client, deque())
        while seen and seen[0] <= now - self.HOUR:
            seen.popleft()
        if len(seen) >= self.limit:
            return max(1, int(seen[0] + self.HOUR - now) + 1)
        seen.append(now)
        return 0
