"""What every part of the benchmark shares: where the infrastructure is, the event, the writes,
fresh databases and topics, percentiles, CPU accounting and process hand-offs."""

from __future__ import annotations

import asyncio
import math
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from pathlib import Path
from queue import Empty
from typing import Any, ClassVar, TypeVar

import asyncpg
import httpx
import uvloop
from aiokafka.admin import AIOKafkaAdminClient
from voimala_contracts import EventData
from voimala_kit import Database, Outbox, ServiceSettings, configure_logging
from voimala_kit.kafka import ensure_topics
from voimala_kit.migrations import KIT_MIGRATIONS, migrate

ADMIN_DSN = os.environ.get(
    "VOIMALA_TEST_PG_ADMIN_DSN", "postgresql://postgres:voimala-dev@127.0.0.1:55432/postgres"
)
BOOTSTRAP = os.environ.get("VOIMALA_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
T = TypeVar("T")
PARTITIONS = 3  # what ensure_topics gives every platform topic
NOTE = "n" * 320  # pads an event to about the size of a participant.registered.v1

_TABLES = """
CREATE TABLE bench_state (id uuid PRIMARY KEY, seq integer NOT NULL,
                          created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE bench_effect (event_id uuid PRIMARY KEY, seq integer NOT NULL);
"""
_STATE = "INSERT INTO bench_state (id, seq) VALUES ($1, $2)"


class BenchSettings(ServiceSettings):
    service_name: str = "bench"
    port: int = 18998


class BenchHappened(EventData):
    """The benchmark's event: which write it was, for whom, and a realistic amount of data."""

    TYPE: ClassVar[str] = "bench.happened.v1"
    AGGREGATE: ClassVar[str] = "bench"

    seq: int
    subject_id: uuid.UUID
    note: str


def run_loop(main: Coroutine[Any, Any, T]) -> T:
    """Run `main` on uvloop, the event loop every service process runs on (uvicorn picks it
    when it is installed, and the kit depends on it): the pipeline's writers, relay and
    consumer, and the bounds' clients, are measured on the loop they run on in production."""
    return uvloop.run(main)


def quiet_logs() -> None:
    configure_logging("bench", "WARNING")


async def connect(dsn: str, pool_max: int) -> Database:
    return await Database.connect(
        BenchSettings(database_url=dsn, db_pool_min=min(pool_max, 2), db_pool_max=pool_max)
    )


async def write_one(db: Database, outbox: Outbox, seq: int) -> float:
    """One business transaction: a state row and its event; return the wall-clock commit time.

    Through `db.transaction()`, as every service writes: after the commit it wakes this
    process's relay. (An earlier version opened the connection and the transaction itself to
    take the time before the pool release; that skipped the wake-up, so the relay slept its
    idle poll, 0.25 s, whenever it had caught up: the p99 at a steady rate was that poll.)
    """
    sid = uuid.uuid4()
    async with db.transaction() as conn:
        await conn.execute(_STATE, sid, seq)
        data = BenchHappened(seq=seq, subject_id=sid, note=NOTE)
        await outbox.add(conn, data, subject=str(sid))
    return time.time()


@dataclass
class WriteRun:
    commits: dict[int, float] = field(default_factory=dict)  # seq -> wall-clock commit time
    late: list[float] = field(default_factory=list)  # at a rate: s from due to commit, each
    started: float = 0.0
    finished: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.commits) / (self.finished - self.started)


async def run_writers(
    write: Callable[[int], Awaitable[float]], seqs: range, writers: int, rate: float | None
) -> WriteRun:
    """`writers` tasks share the sequence; with a rate, event i is due at start + i / rate."""
    run = WriteRun(started=time.time())
    loop = asyncio.get_running_loop()
    origin = loop.time()
    pending = iter(seqs)

    async def writer() -> None:
        for seq in pending:
            due = origin + (seq - seqs.start) / rate if rate else 0.0
            if rate and (delay := due - loop.time()) > 0:
                await asyncio.sleep(delay)  # behind schedule: write at once
            run.commits[seq] = await write(seq)
            if rate:
                run.late.append(loop.time() - due)

    await asyncio.gather(*(writer() for _ in range(writers)))
    run.finished = time.time()
    return run


async def create_database(label: str) -> tuple[str, str]:
    """A new, empty database (a service under test migrates it itself): (name, dsn)."""
    name = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return name, f"{ADMIN_DSN.rpartition('/')[0]}/{name}"


async def drop_database(name: str) -> None:
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def server_version() -> str:
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        return str(await admin.fetchval("SHOW server_version"))
    finally:
        await admin.close()


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """A new database with the kit's tables and the bench tables; dropped at the end."""
    name, dsn = await create_database("pipeline")
    try:
        conn = await asyncpg.connect(dsn)
        try:
            await migrate(conn, {"kit": KIT_MIGRATIONS})
            await conn.execute(_TABLES)
        finally:
            await conn.close()
        yield dsn
    finally:
        await drop_database(name)


def write_section(service: str, name: str, section: str) -> Path:
    """Put `section` between its markers in docs/benchmarks/<service>.md (replacing the last
    run's, or appended), so that each run of each shape keeps its own place."""
    doc = Path(__file__).resolve().parents[1] / "docs" / "benchmarks" / f"{service}.md"
    doc.parent.mkdir(parents=True, exist_ok=True)
    text = (
        doc.read_text("utf-8")
        if doc.exists()
        else (
            f"# Benchmarks of the {service} service\n\n"
            f"Each section is written by its script in `bench/{service}_*.py`; run it again to "
            "refresh it. Numbers are from a small shared machine: compare runs, not machines.\n\n"
        )
    )
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if start in text and end in text:
        text = text[: text.index(start)] + section.rstrip("\n") + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    doc.write_text(text, "utf-8")
    return doc


@asynccontextmanager
async def fresh_topics(names: Sequence[str]) -> AsyncIterator[list[str]]:
    """Create the topics (auto-creation is off); delete them at the end."""
    await ensure_topics(BOOTSTRAP, list(names), partitions=PARTITIONS)
    try:
        yield list(names)
    finally:
        admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP, client_id="bench-admin")
        await admin.start()
        try:
            await admin.delete_topics(list(names))
        finally:
            await admin.close()


def unique(label: str) -> str:
    return f"bench.{label}.{uuid.uuid4().hex[:8]}"


async def empty_tables(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("TRUNCATE outbox, inbox, bench_state, bench_effect")
    finally:
        await conn.close()


def percentile(ordered: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted sequence."""
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass(frozen=True)
class Latency:
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latency:
        ordered = sorted(seconds)
        return cls(*(percentile(ordered, p) * 1000 for p in (50, 95, 99, 100)))


async def receive(queue: Queue[Any], process: BaseProcess, timeout: float) -> Any:
    """The next message from a child process; fail if it dies or stays silent too long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return await asyncio.to_thread(queue.get, True, 0.5)
        except Empty:
            if not process.is_alive():
                raise RuntimeError(f"{process.name} exited with {process.exitcode}") from None
    raise TimeoutError(f"{process.name} said nothing for {timeout:.0f} s")


class CpuMeter:
    """Cores used per component between two readings of /proc (this machine only).

    PostgreSQL backends are grouped as "postgres", the JVM as "kafka", the benchmark's own
    processes by the names given; "other" is the rest of the machine's busy time (other test
    runs, running services, the kernel, processes that came and went between the readings).
    """

    def __init__(self, own: dict[str, int], database: str | None = None) -> None:
        self._own = {pid: name for name, pid in own.items()}
        # With a database named, PostgreSQL backends serving other databases (other test runs
        # on a shared server) count as "other", not as "postgres".
        self._database = database
        self._tick = os.sysconf("SC_CLK_TCK")
        self._start = self._read()
        self._t0 = time.monotonic()

    def _read(self) -> tuple[dict[str, dict[int, int]], int, int]:
        groups: dict[str, dict[int, int]] = {}
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                raw = (proc / "stat").read_text()
            except OSError:
                continue
            comm, rest = raw[raw.index("(") + 1 : raw.rindex(")")], raw[raw.rindex(")") + 2 :]
            fields = rest.split()
            pid = int(proc.name)
            group = self._own.get(pid) or {"postgres": "postgres", "java": "kafka"}.get(
                comm, "other"
            )
            if group == "postgres" and self._database and not self._ours(proc):
                group = "other"
            groups.setdefault(group, {})[pid] = int(fields[11]) + int(fields[12])
        total = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return groups, sum(total), total[3] + total[4]

    def _ours(self, proc: Path) -> bool:
        """A background process (WAL writer, checkpointer, ...) or a backend of our database:
        a backend's title is `postgres: <user> <database> <client> <state>`."""
        try:
            title = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            return True
        client = "(" in title or "[local]" in title
        return not client or f" {self._database} " in title

    def cores(self) -> dict[str, float]:
        """Cores used since the meter was made, per component, and "busy" for the machine."""
        end, total, idle = self._read()
        start, total0, idle0 = self._start
        seconds = (time.monotonic() - self._t0) * self._tick
        used = {
            group: sum(t - start.get(group, {}).get(pid, 0) for pid, t in pids.items()) / seconds
            for group, pids in end.items()
        }
        used.pop("other", None)
        busy = (1 - (idle - idle0) / (total - total0)) * (os.cpu_count() or 1)
        used["other"] = max(0.0, busy - sum(used.values()))
        used["busy"] = busy
        return used


def start_events(dsn: str, public: Path, port: int) -> subprocess.Popen[bytes]:
    """The events service as a real process on `dsn`: its HTTP API and relay, no consumer (a
    fresh consumer group would replay every topic meanwhile), logs in .local/logs."""
    env = {
        **os.environ,
        "EVENTS_PORT": str(port),
        "EVENTS_DATABASE_URL": dsn,
        "EVENTS_CONSUMER_GROUP": f"events-bench-{uuid.uuid4().hex[:8]}",
        "EVENTS_DB_POOL_MAX": "20",
        "EVENTS_RUN_CONSUMER": "false",
        "VOIMALA_JWT_PUBLIC_KEY_FILE": str(public),
        "VOIMALA_LOG_LEVEL": "WARNING",
    }
    root = Path(__file__).resolve().parent.parent
    log = (root / ".local" / "logs" / "bench-events.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "voimala_scheduling"], env=env, stdout=log, stderr=log
    )


async def wait_ready(url: str) -> None:
    """Until `url`'s /health/ready answers 200 (at most a minute)."""
    async with httpx.AsyncClient(timeout=2) as client:
        for _ in range(300):
            try:
                if (await client.get(f"{url}/health/ready")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not become ready")
