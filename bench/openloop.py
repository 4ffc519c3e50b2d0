"""An open-loop HTTP load generator: requests start on a fixed schedule, whatever the server
does, and each latency counts from the moment its request was due.

A closed loop (wrk, N connections each waiting for its answer) sends less while the server
stalls, so its percentiles leave out exactly the waits a user would meet ("coordinated
omission"). Here a request that finds no free connection waits for one, and that wait is in
its latency. Plain asyncio streams and pre-built requests keep the generator's own cost low
(~50 us of CPU per request), so it can share a small machine with what it measures.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["OpenLoopResult", "run_open_loop"]


@dataclass
class OpenLoopResult:
    offered: float  # requests per second scheduled
    seconds: float
    latencies: list[float] = field(default_factory=list)  # seconds, from due time to answer
    errors: int = 0  # non-2xx answers and broken connections
    late: int = 0  # still unanswered when the run ended (counted as errors in `failed`)

    @property
    def delivered(self) -> float:
        return len(self.latencies) / self.seconds

    @property
    def failed(self) -> int:
        return self.errors + self.late


Conn = tuple[asyncio.StreamReader, asyncio.StreamWriter]
#: Idle connections older than this are closed rather than reused: uvicorn closes a
#: connection idle for 5 s, and a request sent on it just then would fail.
_KEEP_IDLE = 4.0


class _Connections:
    """Keep-alive connections to one server, opened as needed up to `limit`."""

    def __init__(self, host: str, port: int, limit: int) -> None:
        self._host, self._port = host, port
        self._idle: list[tuple[Conn, float]] = []  # (connection, when it fell idle)
        self._slots = asyncio.Semaphore(limit)

    async def take(self, *, fresh: bool = False) -> Conn:
        await self._slots.acquire()
        now = asyncio.get_running_loop().time()
        while self._idle and not fresh:
            conn, since = self._idle.pop()
            if now - since < _KEEP_IDLE:
                return conn
            conn[1].close()
        try:
            return await asyncio.open_connection(self._host, self._port)
        except OSError:
            self._slots.release()
            raise

    def give_back(self, conn: Conn) -> None:
        self._idle.append((conn, asyncio.get_running_loop().time()))
        self._slots.release()

    def drop(self, conn: Conn) -> None:
        conn[1].close()
        self._slots.release()

    def close(self) -> None:
        for (_, writer), _since in self._idle:
            writer.close()


async def _exchange(conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], request: bytes) -> int:
    """Send one request, read one answer (Content-Length framed, as uvicorn answers)."""
    reader, writer = conn
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def run_open_loop(
    host: str,
    port: int,
    next_path: Callable[[], str],
    headers: dict[str, str],
    rate: float,
    seconds: float,
    max_connections: int = 64,
    warmup: float = 3.0,
) -> OpenLoopResult:
    """Offer `rate` requests per second for `warmup` + `seconds`, measuring the last `seconds`;
    each request's path from `next_path`."""
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    prefix = f"Host: {host}:{port}\r\n{extra}\r\n".encode()
    pool = _Connections(host, port, max_connections)
    result = OpenLoopResult(offered=rate, seconds=seconds)
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()

    async def one(due: float, request: bytes, measured: bool) -> None:
        # A kept-alive connection the server has closed meanwhile fails before any answer:
        # retried once on a new one, as HTTP clients do.
        for attempt in (1, 2):
            try:
                conn = await pool.take(fresh=attempt == 2)
            except OSError:
                break
            try:
                status = await _exchange(conn, request)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                pool.drop(conn)
                stale = isinstance(exc, asyncio.IncompleteReadError) and not exc.partial
                if stale and attempt == 1:
                    continue
                break
            pool.give_back(conn)
            if measured:
                result.latencies.append(loop.time() - due)
                if not 200 <= status < 300:
                    result.errors += 1
            return
        if measured:
            result.errors += 1

    start = loop.time() + 0.05
    skip = int(rate * warmup)  # sent, answered, not measured: connections up, caches warm
    total = skip + int(rate * seconds)
    sent = 0
    gc.disable()  # a collection here would stall the schedule and be blamed on the server
    while sent < total:
        now = loop.time()
        while sent < total and start + sent / rate <= now:
            request = b"GET " + next_path().encode() + b" HTTP/1.1\r\n" + prefix
            task = asyncio.create_task(one(start + sent / rate, request, sent >= skip))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            sent += 1
        await asyncio.sleep(max(0.0, start + sent / rate - loop.time()))
    # Answers still due: wait a little, then count the rest as late.
    if tasks:
        await asyncio.wait(set(tasks), timeout=10)
    result.late = len(tasks)
    for task in list(tasks):
        task.cancel()
    pool.close()
    gc.enable()
    return result


if __name__ == "__main__":  # a quick look: python bench/openloop.py http://127.0.0.1:8001/path 100
    import sys
    from urllib.parse import urlsplit

    from common import Latency

    url, rate = urlsplit(sys.argv[1]), float(sys.argv[2])
    res = asyncio.run(
        run_open_loop(url.hostname or "127.0.0.1", url.port or 80, lambda: url.path, {}, rate, 5)
    )
    print(f"delivered {res.delivered:.0f}/s, {Latency.of(res.latencies)}, failed {res.failed}")
