"""Benchmark: GET /participants/{id} and the filtered list at its target rate, each beside its
bound, over 100,000 participants (issue 18, targets 2 and 5).

Starts the participants service as real processes (two replicas by default) on the local
infrastructure with a fresh database, loads 100,000 fictional participants into it, and
beside it the bound of the read, `bench/bareapp.py` (bare Starlette + asyncpg, the same read
and audit row in one statement). Then, with wrk (C) as the load: the read on one service
process and on one bare process (their ratio must reach 0.7), the list on every replica; then
the list at 1,200 pages/s offered on a fixed schedule (`bench/openloop.py`; p99 <= 50 ms);
then the same list, capacity and 1,200/s, on as many bare processes (the bare app runs the
service's own list statement): the list's bound in the same run.
Writes targets, bounds, ratios and CPU per request into the section `participants_api.r<n>.c<m>`
of docs/benchmarks/participants.md. About 3 minutes.

    .venv/bin/python bench/participants_api.py [--participants 100000] [--seconds 15]
        [--concurrency 32] [--replicas 2] [--only-get] [--pause SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from common import (
    BOOTSTRAP,
    CpuMeter,
    Latency,
    create_database,
    drop_database,
    receive,
    server_version,
    write_section,
)
from openloop import run_open_loop
from voimala_kit.auth import generate_keys, issue_token
from voimala_participants.consumer import SUBSCRIBE
from voimala_participants.repository.participants import SAVED_FIELDS

ROOT = Path(__file__).resolve().parent.parent
#: Issue 18: the list at 1,200 pages/s offered (open loop) answers with p99 <= 50 ms; a read
#: of one participant reaches 0.7 of the bare app's rate (bench/bareapp.py), same run.
TARGET_RATE, TARGET_P99_MS = 1200, 50
TARGET_RATIO = 0.7

SKILLS = [
    "customer service",
    "cleaning",
    "warehouse work",
    "forklift",
    "welding",
    "cooking",
    "retail",
    "bookkeeping",
    "carpentry",
    "childcare",
    "elderly care",
    "truck driving",
    "office software",
    "social media",
    "electronics assembly",
    "quality control",
    "painting",
    "gardening",
    "security",
    "programming",
    "photography",
    "construction",
    "logistics",
    "hairdressing",
    "sales",
    "machine maintenance",
    "driving licence B",
    "first aid",
]
GIVEN = ["Aino", "Eino", "Sari", "Jari", "Mikael", "Ebba", "Amina", "Oleksandr", "Päivi", "Leo"]
FAMILY = [
    "Virtanen",
    "Korhonen",
    "Nieminen",
    "Mäkinen",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lehtonen",
    "Lindqvist",
    "Sjöberg",
    "Hassan",
    "Bondarenko",
]
LIST_QUERIES = {
    "status": {"status": "active"},
    "status+youth": {"status": "active", "youth": "true"},
    "target_group": {"target_group": "subsidy_500_plus"},
    "language": {"language": "uk"},
    "skill": {"skill": "welding"},
    "free text": {"q": "lindqvist"},
}
#: Measured alone in the per-filter table, not in the mix: a skill nobody in the data set has
#: (a page of it walked the whole registration order before migration 0009: 0.3-0.5 s).
RARE_QUERIES = {"rare skill": {"skill": "glassblowing"}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# The data set


def _rows(n: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    rnd = random.Random(3)  # the same data set every run
    today = datetime.now(UTC).date()
    start = datetime.now(UTC) - timedelta(days=900)
    people, episodes = [], []
    for i in range(n):
        pid = uuid.UUID(int=rnd.getrandbits(128), version=4)
        given, family = rnd.choice(GIVEN), rnd.choice(FAMILY)
        email = f"{given.lower()}.{family.lower()}.{i}@example.fi"
        year = rnd.randint(1960, 2007)
        skills = rnd.sample(SKILLS, rnd.randint(1, 5))
        langs = [{"code": "fi", "level": rnd.choice(["A2", "B1", "B2", "C1", "native"])}]
        if rnd.random() < 0.06:
            langs.append({"code": "uk", "level": "native"})
        days = rnd.choice(
            [None, rnd.randint(0, 299), rnd.randint(300, 499), rnd.randint(500, 1500)]
        )
        group = (
            None
            if days is None
            else ("subsidy_500_plus" if days >= 500 else "subsidy_300_499" if days >= 300 else None)
        )
        status = rnd.choices(["active", "paused", "exited"], [85, 10, 5])[0]
        created = start + timedelta(seconds=i * 777 / 1000)
        people.append(
            (
                pid,
                given,
                family,
                email,
                f"+35840{rnd.randint(1000000, 9999999)}",
                rnd.choice(["fi", "fi", "fi", "sv", "en"]),
                "in_app",
                year,
                None,
                rnd.choice(["female", "male"]),
                "Salo",
                skills,
                "{}",
                json.dumps(langs),
                rnd.randint(0, 8),
                None,
                None,
                ["full_time"],
                days,
                None,
                group,
                "employment_services",
                False,
                rnd.random() < 0.7,
                status,
                " ".join([given, family, email, *skills]).lower(),
                "bench",
                created,
                created,
            )
        )
        episodes.append((pid, 1, created.date(), created, "unknown", today.year - year < 30))
    return people, episodes


# The order of the tuples above: the repository's saved fields between the id and the
# registration facts.
_PEOPLE_COLUMNS = ["id", *SAVED_FIELDS, "registered_by", "created_at", "updated_at"]


_SKILL_ROWS = """INSERT INTO participant_skill (skill, created_at, participant_id)
SELECT DISTINCT s, p.created_at, p.id FROM participant p, unnest(p.skills) AS s"""
_LANGUAGE_ROWS = """INSERT INTO participant_language (code, created_at, participant_id)
SELECT DISTINCT l->>'code', p.created_at, p.id
FROM participant p, jsonb_array_elements(p.languages) AS l WHERE l->>'code' IS NOT NULL"""
#: The triggers that keep the skill and language rows (migrations 0009, 0010).
_ROW_TRIGGERS = ("participant_skill_added", "participant_language_added")


async def _seed(dsn: str, n: int) -> list[str]:
    people, episodes = _rows(n)
    conn = await asyncpg.connect(dsn)
    try:
        # The skill and language rows (migrations 0009, 0010) in one statement each rather
        # than by the triggers per row: the same rows, in a fraction of the load's time.
        for trigger in _ROW_TRIGGERS:
            await conn.execute(f"ALTER TABLE participant DISABLE TRIGGER {trigger}")
        await conn.copy_records_to_table("participant", records=people, columns=_PEOPLE_COLUMNS)
        await conn.execute(_SKILL_ROWS)
        await conn.execute(_LANGUAGE_ROWS)
        for trigger in _ROW_TRIGGERS:
            await conn.execute(f"ALTER TABLE participant ENABLE TRIGGER {trigger}")
        await conn.copy_records_to_table(
            "episode",
            records=episodes,
            columns=["participant_id", "number", "started_on", "started_at", "age_group", "youth"],
        )
        # VACUUM as well: after a bulk load autovacuum would otherwise vacuum the new rows
        # (visibility map, hint bits, the GIN indexes' pending entries) during a measurement.
        await conn.execute("VACUUM ANALYZE")
        # Flush the bulk load now: otherwise its checkpoint runs during the measurement and
        # every audited read's commit waits on a disk busy writing it (stalls of 0.2-0.4 s).
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()
    return [str(p[0]) for p in people]


# The service under test


async def _caught_up(group: str) -> None:
    """Commit the end of every subscribed topic for the bench's consumer group: the service
    starts as a caught-up consumer does in steady operation, instead of spending the measured
    window on whatever history the local broker holds from earlier runs."""
    admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    await admin.start()
    try:
        described = await admin.describe_topics(SUBSCRIBE)
    finally:
        await admin.close()
    partitions = [
        TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]
    ]
    consumer = AIOKafkaConsumer(
        bootstrap_servers=BOOTSTRAP, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        if partitions:
            consumer.assign(partitions)
            await consumer.commit(dict(await consumer.end_offsets(partitions)))
    finally:
        await consumer.stop()


@dataclass
class Replica:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _group(run: str) -> str:
    return f"participants-bench-{run}"


def _start(dsn: str, public_key: Path, run: str, pool: int) -> Replica:
    port = _free_port()
    env = {
        **os.environ,
        "VOIMALA_ENV": "test",
        "VOIMALA_LOG_LEVEL": "WARNING",
        "VOIMALA_JWT_PUBLIC_KEY_FILE": str(public_key),
        "PARTICIPANTS_PORT": str(port),
        "PARTICIPANTS_DATABASE_URL": dsn,
        "PARTICIPANTS_CONSUMER_GROUP": _group(run),
        "PARTICIPANTS_DB_POOL_MAX": str(pool),
    }
    log = (ROOT / ".local" / "logs" / f"bench-participants-{port}.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "voimala_participants"], env=env, stdout=log, stderr=log
    )
    return Replica(port, process)


def _wait_ready(replica: Replica, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if replica.process.poll() is not None:
            raise RuntimeError(f"the service exited with {replica.process.returncode}")
        try:
            if httpx.get(f"{replica.url}/health/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError("the service did not become ready")


# The load, from processes of its own


def _generator(
    urls: list[str],
    token: str,
    ids: list[str],
    scenario: str,
    warmup: float,
    seconds: float,
    concurrency: int,
    seed: int,
    out: mp.Queue,  # type: ignore[type-arg]
) -> None:
    out.put(asyncio.run(_drive(urls, token, ids, scenario, warmup, seconds, concurrency, seed)))


async def _drive(
    urls: list[str],
    token: str,
    ids: list[str],
    scenario: str,
    warmup: float,
    seconds: float,
    concurrency: int,
    seed: int,
) -> dict[str, Any]:
    rnd = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}", "X-Purpose": "benchmark"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: dict[str, list[float]] = {}
    errors = 0
    loop = asyncio.get_running_loop()
    begin = loop.time() + warmup
    end = begin + seconds

    async def worker(client: httpx.AsyncClient, n: int) -> None:
        nonlocal errors
        base = urls[n % len(urls)]
        while (now := loop.time()) < end:
            if scenario == "get":
                label, path, params = "get", f"/participants/{rnd.choice(ids)}", None
            else:
                label = rnd.choice(list(LIST_QUERIES))
                path, params = "/participants", {**LIST_QUERIES[label], "limit": "20"}
            started = time.perf_counter()
            r = await client.get(base + path, params=params)
            took = time.perf_counter() - started
            if now >= begin:
                if r.status_code != 200:
                    errors += 1
                latencies.setdefault(label, []).append(took)

    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as client:
        await asyncio.gather(*(worker(client, n) for n in range(concurrency)))
    return {"latencies": latencies, "errors": errors, "seconds": seconds}


_WRK_LUA = r"""
-- Each request: a random participant (get) or a random filter (list). Written by the bench.
local ids, queries = {}, {}
local scenario = "get"
function init(args)
  scenario = args[1]
  for line in io.lines(args[2]) do ids[#ids + 1] = line end
  for line in io.lines(args[3]) do queries[#queries + 1] = line end
  math.randomseed(tonumber(args[4]))
end
function request()
  if scenario == "get" then
    return wrk.format("GET", "/participants/" .. ids[math.random(#ids)])
  end
  return wrk.format("GET", "/participants?" .. queries[math.random(#queries)])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nRESULT {"requests": %d, "errors": %d, "micros": %d, "p50": %d, "p95": %d, "p99": %d,'
    .. ' "max": %d}\n',
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def _wrk_files(ids: list[str], queries: list[str]) -> tuple[Path, Path, Path]:
    folder = ROOT / ".local" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    script, id_file, query_file = folder / "load.lua", folder / "ids.txt", folder / "queries.txt"
    script.write_text(_WRK_LUA)
    id_file.write_text("\n".join(ids) + "\n")
    query_file.write_text("\n".join(queries) + "\n")
    return script, id_file, query_file


async def _wrk(
    urls: list[str],
    token: str,
    scenario: str,
    queries: list[str],
    ids: list[str],
    args: argparse.Namespace,
    pids: dict[str, int],
) -> tuple[dict[str, Any], dict[str, float]]:
    """One wrk process per replica (C, event-driven): the load costs little CPU of its own."""
    script, id_file, query_file = _wrk_files(ids, queries)
    procs = []
    per = max(1, args.concurrency // len(urls))
    for n, url in enumerate(urls):
        procs.append(
            await asyncio.create_subprocess_exec(
                "wrk",
                "-t1",
                f"-c{per}",
                f"-d{args.seconds:.0f}s",
                "--timeout",
                "10s",
                "-H",
                f"Authorization: Bearer {token}",
                "-H",
                "X-Purpose: benchmark",
                "-s",
                str(script),
                url,
                "--",
                scenario,
                str(id_file),
                str(query_file),
                str(n + 1),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        )
    await asyncio.sleep(1.0)  # connections up; then measure CPU over the steady part
    meter = CpuMeter({**pids, **{f"wrk-{i}": p.pid for i, p in enumerate(procs)}})
    # Read the meter while wrk still runs: an exited process's CPU is gone from /proc.
    await asyncio.sleep(max(1.0, args.seconds - 2.5))
    cores = meter.cores()
    outs = [await p.communicate() for p in procs]
    results = []
    for out, _ in outs:
        line = next(x for x in out.decode().splitlines() if x.startswith("RESULT "))
        results.append(json.loads(line.removeprefix("RESULT ")))
    merged = {
        "requests": sum(r["requests"] for r in results),
        "errors": sum(r["errors"] for r in results),
        "rate": sum(r["requests"] / (r["micros"] / 1e6) for r in results),
        # Several wrk processes: the worst of their percentiles (an upper bound).
        "latency": Latency(
            *(max(r[k] for r in results) / 1000 for k in ("p50", "p95", "p99", "max"))
        ),
    }
    return merged, cores


@dataclass(frozen=True)
class Target:
    """What every scenario loads: the replicas' URLs, the token, the participants to read,
    and the service processes whose CPU is measured."""

    urls: list[str]
    token: str
    ids: list[str]
    pids: dict[str, int]
    dsn: str = ""


async def _backends(dsn: str) -> dict[str, int]:
    """The PostgreSQL backends serving this run's database, by a name of their own: the
    PostgreSQL CPU per request counts these only (other databases on the same server are
    other people's work)."""
    if not dsn:
        return {}
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    return {f"db-{i}": r["pid"] for i, r in enumerate(rows)}


def _fold(cores: dict[str, float]) -> dict[str, float]:
    """This run's database backends as one component, `database`."""
    folded = {k: v for k, v in cores.items() if not k.startswith("db-")}
    folded["database"] = sum(v for k, v in cores.items() if k.startswith("db-"))
    return folded


@dataclass
class ScenarioResult:
    scenario: str
    requests: int
    errors: int
    rate: float
    latency: Latency
    by_query: dict[str, Latency]
    cores: dict[str, float]
    by_query_rate: dict[str, float] = field(default_factory=dict)
    #: Per filter: the cores of each component while that filter ran alone.
    by_query_cores: dict[str, dict[str, float]] = field(default_factory=dict)


async def _scenario_wrk(
    scenario: str,
    target: Target,
    args: argparse.Namespace,
    per_filter: bool = True,
) -> ScenarioResult:
    urls, token, ids, pids = target.urls, target.token, target.ids, target.pids
    queries = [_query(q) for q in LIST_QUERIES.values()]
    # Warm-up (not measured): caches, connections, the JIT-less but lazy paths.
    warm = argparse.Namespace(**{**vars(args), "seconds": 3})
    await _wrk(urls, token, scenario, queries, ids, warm, pids)
    pids = {**pids, **await _backends(target.dsn)}
    merged, cores = await _wrk(urls, token, scenario, queries, ids, args, pids)
    cores = _fold(cores)
    by_query: dict[str, Latency] = {}
    by_query_rate: dict[str, float] = {}
    by_query_cores: dict[str, dict[str, float]] = {}
    if scenario == "list" and per_filter:
        # Quiet first: the first filter measured used to meet the saturated run's after-effects
        # (its p99 was 303 ms against ~70 ms for the others, its plan the same 0.05 ms).
        await _settle()
        short = argparse.Namespace(**{**vars(args), "seconds": 3})
        for label, q in {**LIST_QUERIES, **RARE_QUERIES}.items():
            one, alone = await _wrk(urls, token, scenario, [_query(q)], ids, short, pids)
            by_query[label] = one["latency"]
            by_query_rate[label] = one["rate"]
            by_query_cores[label] = _fold(alone)
    return ScenarioResult(
        scenario=scenario,
        requests=merged["requests"],
        errors=merged["errors"],
        rate=merged["rate"],
        latency=merged["latency"],
        by_query=by_query,
        cores=cores,
        by_query_rate=by_query_rate,
        by_query_cores=by_query_cores,
    )


def _query(params: dict[str, str]) -> str:
    return str(httpx.QueryParams({**params, "limit": "20"}))


async def _scenario(
    scenario: str,
    target: Target,
    args: argparse.Namespace,
) -> ScenarioResult:
    urls, token, ids, pids = target.urls, target.token, target.ids, target.pids
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    warmup = 3.0
    procs = [
        ctx.Process(
            target=_generator,
            name=f"load-{i}",
            args=(urls, token, ids, scenario, warmup, args.seconds, args.concurrency, i, queue),
        )
        for i in range(args.generators)
    ]
    for p in procs:
        p.start()
    await asyncio.sleep(warmup + 1.5)  # the generators' start-up and warm-up are not measured
    pids = {**pids, **await _backends(target.dsn)}
    meter = CpuMeter({**pids, **{p.name: p.pid for p in procs if p.pid}})
    results = [await receive(queue, p, args.seconds + 120) for p in procs]
    cores = _fold(meter.cores())
    for p in procs:
        p.join()
    merged: dict[str, list[float]] = {}
    for res in results:
        for label, values in res["latencies"].items():
            merged.setdefault(label, []).extend(values)
    every = [v for values in merged.values() for v in values]
    return ScenarioResult(
        scenario=scenario,
        requests=len(every),
        errors=sum(r["errors"] for r in results),
        rate=len(every) / args.seconds,
        latency=Latency.of(every),
        by_query={label: Latency.of(v) for label, v in sorted(merged.items())},
        cores=cores,
    )


async def _settle() -> None:
    """Between phases: the last answers drained, the machine quiet again."""
    await asyncio.sleep(3)


# At the target rate: an open loop (bench/openloop.py) in a process of its own


def _paced(
    urls: list[str],
    token: str,
    ids: list[str],
    scenario: str,
    rate: float,
    seconds: float,
    out: mp.Queue,  # type: ignore[type-arg]
) -> None:
    out.put(asyncio.run(_paced_run(urls, token, ids, scenario, rate, seconds)))


async def _paced_run(
    urls: list[str], token: str, ids: list[str], scenario: str, rate: float, seconds: float
) -> dict[str, Any]:
    rnd = random.Random(7)
    queries = [_query(q) for q in LIST_QUERIES.values()]

    def next_path() -> str:
        if scenario == "get":
            return f"/participants/{rnd.choice(ids)}"
        return f"/participants?{rnd.choice(queries)}"

    headers = {"Authorization": f"Bearer {token}", "X-Purpose": "benchmark"}
    parts = [urlsplit(u) for u in urls]
    runs = await asyncio.gather(
        *(
            run_open_loop(
                p.hostname or "127.0.0.1",
                p.port or 80,
                next_path,
                headers,
                rate / len(urls),
                seconds,
            )
            for p in parts
        )
    )
    return {
        "latencies": [x for r in runs for x in r.latencies],
        "delivered": sum(r.delivered for r in runs),
        "failed": sum(r.failed for r in runs),
    }


@dataclass
class PacedResult:
    scenario: str
    offered: float
    delivered: float
    failed: int
    latency: Latency
    cores: dict[str, float]

    @property
    def met(self) -> bool:
        return (
            self.failed == 0
            and self.delivered >= 0.98 * self.offered
            and self.latency.p99 <= TARGET_P99_MS
        )


async def _scenario_paced(
    scenario: str,
    target: Target,
    args: argparse.Namespace,
    rate: float = TARGET_RATE,
) -> PacedResult:
    urls, token, ids, pids = target.urls, target.token, target.ids, target.pids
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(
        target=_paced, name="paced", args=(urls, token, ids, scenario, rate, args.seconds, queue)
    )
    proc.start()
    await asyncio.sleep(2.0)  # the generator's start-up is not measured
    pids = {**pids, **await _backends(target.dsn)}
    meter = CpuMeter({**pids, **({"generator": proc.pid} if proc.pid else {})})
    await asyncio.sleep(max(1.0, args.seconds - 3.0))
    cores = _fold(meter.cores())
    res = await receive(queue, proc, args.seconds + 60)
    proc.join()
    return PacedResult(
        scenario,
        rate,
        res["delivered"],
        res["failed"],
        Latency.of(res["latencies"]),
        cores,
    )


# The bound: the bare app (bench/bareapp.py) on the same database


def _start_bare(dsn: str, pool: int) -> Replica:
    port = _free_port()
    log = (ROOT / ".local" / "logs" / f"bench-bareapp-{port}.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "bareapp.py"), dsn, str(port), str(pool)],
        stdout=log,
        stderr=log,
    )
    return Replica(port, process)


def _wait_answers(replica: Replica, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if replica.process.poll() is not None:
            raise RuntimeError(f"the bare app exited with {replica.process.returncode}")
        try:
            if httpx.get(f"{replica.url}{path}", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError("the bare app did not answer")


def _stop(replicas: list[Replica]) -> None:
    for replica in replicas:
        replica.process.send_signal(signal.SIGTERM)
    for replica in replicas:
        try:
            replica.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            replica.process.kill()


# The report


def _section(args: argparse.Namespace) -> str:
    """One section per replicas and concurrency: a run in one shape does not hide another."""
    return f"participants_api.r{args.replicas}.c{args.concurrency}"


def _ms_cpu(cores: dict[str, float], names: list[str], rate: float) -> float:
    """Milliseconds of CPU per request of the named components (cores / requests per s)."""
    return sum(cores.get(n, 0.0) for n in names) * 1000 / rate if rate else 0.0


@dataclass(frozen=True)
class Report:
    service_get: ScenarioResult
    bare_get: ScenarioResult
    listed: ScenarioResult
    paced: PacedResult
    services: list[str]  # the CPU meter's names of the service processes
    bares: list[str]
    #: The list's bound: the bare app on as many processes as the service's replicas.
    bare_listed: ScenarioResult
    bare_paced: PacedResult
    #: The read's interleaved rounds: (the service's requests/s, the bare app's), one pair each.
    rounds: list[tuple[float, float]] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """The median of the rounds' ratios (the host's speed drifts between windows more than
        the distance to the target: each round's pair ran back to back)."""
        if self.rounds:
            return statistics.median(s / b for s, b in self.rounds if b)
        return self.service_get.rate / self.bare_get.rate if self.bare_get.rate else 0.0


def _machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    return f"{cpu}, {os.cpu_count()} cores"


def _render_head(args: argparse.Namespace, pg: str, load: str, rep: Report) -> list[str]:
    get_met, list_met = rep.ratio >= TARGET_RATIO, rep.paced.met
    return [
        f"<!-- {_section(args)}:start -->",
        "## Reading participants: `GET /participants/{id}` and the filtered list, "
        f"{args.replicas} replica(s), {args.concurrency} connections",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `.venv/bin/python "
        f"bench/participants_api.py --participants {args.participants} --seconds {args.seconds} "
        f"--concurrency {args.concurrency} --replicas {args.replicas} "
        f"--pool {args.pool} --load {args.load}`.",
        "",
        "| target (issue 18) | bound, same run | measured | ratio | met |",
        "|---|---|---|---:|---|",
        f"| `GET /participants/{{id}}` ≥ {TARGET_RATIO} of the bare app | bare Starlette + "
        f"asyncpg: {rep.bare_get.rate:,.0f} requests/s | the service: "
        f"{rep.service_get.rate:,.0f} requests/s | {rep.ratio:.2f}"
        f"{' (median of ' + str(len(rep.rounds)) + ' rounds)' if rep.rounds else ''} | "
        f"{'yes' if get_met else 'no'} |",
        f"| the list at {TARGET_RATE:,} pages/s offered: p99 ≤ {TARGET_P99_MS} ms | "
        f"the bare app, the same statement, {args.replicas} process(es): p99 "
        f"{rep.bare_paced.latency.p99:.1f} ms at {TARGET_RATE:,}/s (capacity "
        f"{rep.bare_listed.rate:,.0f} pages/s) | p99 {rep.paced.latency.p99:.1f} ms, delivered "
        f"{rep.paced.delivered:,.0f}/s, {rep.paced.failed} failed | "
        f"{rep.paced.latency.p99 / TARGET_P99_MS:.2f} | {'yes' if list_met else 'no'} |",
        "",
        f"- Machine: {_machine()}; load average {load} when the run started (whatever else "
        "ran shows as `other` in the CPU table; `database` is the PostgreSQL backends of "
        "this run's database, `postgres` the server's other processes).",
        f"- PostgreSQL {pg}, local (deploy/local); the service as a real process "
        f"(`python -m voimala_participants`, {args.replicas} replica(s), uvicorn, one event "
        "loop each) with relay and consumer running. The bound, `bench/bareapp.py`: a bare "
        "Starlette app on uvicorn (the same uvloop and httptools), the same columns read and "
        "the same audit row written in one statement, orjson, no auth, no middleware, on the "
        "same database; for the list the service's own statement (its repository's `page`, "
        "the audit rows in it) and the rows written out as stored. The read is measured on one "
        "service process, then on one bare process with the same load (the requests/s "
        f"above), then in {args.rounds} alternating rounds of {args.round_seconds:.0f} s "
        "each (the service first, then the bare app first, and so on): the ratio is the "
        "median of the rounds' ratios, since the host's speed drifts from minute to minute "
        "more than the distance to the target. The list on every "
        "replica, then on as many bare processes. Load: "
        + (
            f"wrk (C; one per replica, {args.concurrency} connections in all, keep-alive)"
            if args.load == "wrk"
            else f"httpx processes, {args.concurrency} concurrent each"
        )
        + ".",
        f"- Data: {args.participants:,} participants (COPY-loaded, then VACUUM ANALYZE). Every "
        "read writes its audit row (one per participant returned) in the statement that reads.",
        "",
    ]


def _render(args: argparse.Namespace, pg: str, load: str, rep: Report) -> str:
    lines = _render_head(args, pg, load, rep)
    lines += [
        "Capacity (closed loop, wrk: each connection sends its next request when the last is "
        "answered, so latency here is queueing at saturation) and CPU per request (from /proc "
        "over the measured window: less distorted by a shared machine than requests/s):",
        "",
        "| scenario | requests/s | p50 ms | p99 ms | max ms | errors "
        "| app ms CPU/request | database ms CPU/request |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, r, names in (
        ("get, the service", rep.service_get, rep.services[:1]),
        ("get, the bare app", rep.bare_get, rep.bares),
        ("list, the service", rep.listed, rep.services),
        ("list, the bare app", rep.bare_listed, rep.bares),
    ):
        lines.append(
            f"| {label} | {r.rate:,.0f} | {r.latency.p50:.1f} | {r.latency.p99:.1f} | "
            f"{r.latency.max:.1f} | {r.errors} | {_ms_cpu(r.cores, names, r.rate):.3f} | "
            f"{_ms_cpu(r.cores, ['database'], r.rate):.3f} |"
        )
    if rep.rounds:
        lines += [
            "",
            "The read in alternating rounds (requests/s; the ratio above is their median):",
            "",
            "| round | the service | the bare app | ratio |",
            "|---:|---:|---:|---:|",
            *(
                f"| {n} | {sv:,.0f} | {bv:,.0f} | {sv / bv if bv else 0:.2f} |"
                for n, (sv, bv) in enumerate(rep.rounds, 1)
            ),
        ]
    p, b = rep.paced, rep.bare_paced
    lines += [
        "",
        f"The list at {p.offered:,.0f} pages/s offered (open loop, `bench/openloop.py`: "
        "requests started on a fixed schedule whatever the server does, over at most 64 "
        "keep-alive connections; each latency counts from the moment its request was due, so "
        "stalls are not hidden; 20 a page, a random filter each):",
        "",
        "| | offered/s | delivered/s | p50 ms | p95 ms | p99 ms | max ms | failed "
        f"| p99 ≤ {TARGET_P99_MS} ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        *(
            f"| {who} | {r.offered:,.0f} | {r.delivered:,.0f} | {r.latency.p50:.1f} | "
            f"{r.latency.p95:.1f} | {r.latency.p99:.1f} | {r.latency.max:.1f} | {r.failed} | "
            f"{'yes' if r.met else 'no'} |"
            for who, r in (("the service", p), ("the bare app (bound)", b))
        ),
        "",
        "Per filter (wrk, each filter alone for a few seconds; `rare skill` is a skill nobody "
        "in the data set has, measured here only, not in the mix):",
        "",
        "| filter | requests/s | p50 ms | p99 ms | app ms CPU/request | database ms CPU/request |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, lat in rep.listed.by_query.items():
        rate = rep.listed.by_query_rate.get(label, 0.0)
        cores = rep.listed.by_query_cores.get(label, {})
        lines.append(
            f"| {label} | {rate:,.0f} | {lat.p50:.1f} | {lat.p99:.1f} | "
            f"{_ms_cpu(cores, rep.services, rate):.3f} | {_ms_cpu(cores, ['database'], rate):.3f} |"
        )
    lines += ["", "Where the CPU went (cores, over the measured window):", ""]
    shares = [
        ("get, the service", rep.service_get.cores),
        ("get, the bare app", rep.bare_get.cores),
        ("list", rep.listed.cores),
        (f"list at {p.offered:,.0f}/s", p.cores),
        ("list, the bare app", rep.bare_listed.cores),
        (f"list at {b.offered:,.0f}/s, the bare app", b.cores),
    ]
    names = sorted({k for _, cores in shares for k in cores})
    lines += ["| scenario | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for label, cores in shares:
        lines.append(f"| {label} | " + " | ".join(f"{cores.get(n, 0):.2f}" for n in names) + " |")
    lines += ["", f"<!-- {_section(args)}:end -->", ""]
    return "\n".join(lines)


def _say(label: str, r: ScenarioResult, names: list[str]) -> None:
    print(
        f"  {label}: {r.rate:,.0f} req/s, p50 {r.latency.p50:.1f} ms, p99 {r.latency.p99:.1f} ms,"
        f" errors {r.errors}, {_ms_cpu(r.cores, names, r.rate):.3f} ms CPU/request "
        f"(+ database {_ms_cpu(r.cores, ['database'], r.rate):.3f})",
        flush=True,
    )


async def _list_at_target(target: Target, args: argparse.Namespace, label: str) -> PacedResult:
    print(f"{label} at {TARGET_RATE:,}/s offered: {args.seconds} s ...", flush=True)
    paced = await _scenario_paced("list", target, args, TARGET_RATE)
    print(
        f"  delivered {paced.delivered:,.0f}/s, p50 {paced.latency.p50:.1f} ms, "
        f"p99 {paced.latency.p99:.1f} ms, failed {paced.failed}",
        flush=True,
    )
    return paced


async def _measure(args: argparse.Namespace, one: Target, bare: Target, target: Target) -> Report:
    """The read on one service process, then on one bare process; the list on every
    replica, as fast as it goes and then at the target rate; then the same list on as many
    bare processes (its bound)."""
    run = _scenario_wrk if args.load == "wrk" else _scenario
    services, bares = list(target.pids), list(bare.pids)
    one_bare = Target(
        bare.urls[:1], bare.token, bare.ids, dict([next(iter(bare.pids.items()))]), bare.dsn
    )
    print(f"get, the service: {args.seconds} s ...", flush=True)
    service_get = await run("get", one, args)
    _say("the service", service_get, services[:1])
    await _settle()
    print(f"get, the bare app: {args.seconds} s ...", flush=True)
    bare_get = await run("get", one_bare, args)
    _say("the bare app", bare_get, bares[:1])
    print(f"ratio of the two windows {service_get.rate / max(bare_get.rate, 1):.2f}", flush=True)
    rounds = await _get_rounds(one, one_bare, args) if args.load == "wrk" else []
    paced = PacedResult("list", 0, 0, 0, Latency(0, 0, 0, 0), {})
    empty = ScenarioResult("list", 0, 0, 0.0, Latency(0, 0, 0, 0), {}, {})
    if args.only_get:
        return Report(service_get, bare_get, empty, paced, services, bares, empty, paced, rounds)
    await _settle()
    print(f"list: {args.seconds} s ...", flush=True)
    listed = await run("list", target, args)
    _say("list", listed, services)
    await _settle()
    paced = await _list_at_target(target, args, "list")
    await _settle()
    print(f"list, the bare app: {args.seconds} s ...", flush=True)
    bare_listed = await (
        _scenario_wrk("list", bare, args, per_filter=False)
        if args.load == "wrk"
        else _scenario("list", bare, args)
    )
    _say("list, the bare app", bare_listed, bares)
    await _settle()
    bare_paced = await _list_at_target(bare, args, "list, the bare app")
    return Report(
        service_get, bare_get, listed, paced, services, bares, bare_listed, bare_paced, rounds
    )


async def _get_rounds(
    one: Target, one_bare: Target, args: argparse.Namespace
) -> list[tuple[float, float]]:
    """The read on the service and on the bare app in short alternating windows (service
    first, then bare first, and so on): a drift of the host's speed over the run falls on both
    sides of each pair, where two long windows one after the other put it all on one."""
    short = argparse.Namespace(**{**vars(args), "seconds": args.round_seconds})
    found: list[tuple[float, float]] = []
    for n in range(args.rounds):
        pair: dict[str, float] = {}
        order = [("service", one), ("bare", one_bare)]
        for who, target in order if n % 2 == 0 else order[::-1]:
            merged, _ = await _wrk(
                target.urls, target.token, "get", [], target.ids, short, target.pids
            )
            pair[who] = merged["rate"]
        found.append((pair["service"], pair["bare"]))
        print(
            f"  round {n + 1}: the service {pair['service']:,.0f}/s, the bare app "
            f"{pair['bare']:,.0f}/s, ratio {pair['service'] / max(pair['bare'], 1):.2f}",
            flush=True,
        )
    if found:
        median = statistics.median(s / b for s, b in found if b)
        print(f"ratio, the median of {len(found)} rounds: {median:.2f}", flush=True)
    return found


async def main(args: argparse.Namespace) -> None:
    run = uuid.uuid4().hex[:8]
    name, dsn = await create_database("participants")
    pg = await server_version()
    private, public = generate_keys(ROOT / ".local" / "keys")
    (ROOT / ".local" / "logs").mkdir(parents=True, exist_ok=True)
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])  # noqa: ASYNC240 - /proc
    await _caught_up(_group(run))
    replicas = [_start(dsn, public, run, args.pool) for _ in range(args.replicas)]
    bares: list[Replica] = []
    try:
        for replica in replicas:
            await asyncio.to_thread(_wait_ready, replica)
        print(f"seeding {args.participants:,} participants ...", flush=True)
        ids = await _seed(dsn, args.participants)
        # The read is compared process for process (one of each); the list on as many bare
        # processes as the service's replicas.
        bares = [_start_bare(dsn, args.pool) for _ in range(args.replicas)]
        for bare in bares:
            await asyncio.to_thread(_wait_answers, bare, f"/participants/{ids[0]}")
        token = issue_token(private.read_bytes(), role="coordinator", subject="bench")
        target = Target(
            urls=[r.url for r in replicas],
            token=token,
            ids=ids,
            pids={f"service-{i}": r.process.pid for i, r in enumerate(replicas)},
            dsn=dsn,
        )
        bound = Target(
            urls=[b.url for b in bares],
            token=token,
            ids=ids,
            pids={f"bare-{i}": b.process.pid for i, b in enumerate(bares)},
            dsn=dsn,
        )
        if args.pause:
            print(f"service pids {target.pids}, bare {bound.pids}; waiting", flush=True)
            await asyncio.sleep(args.pause)
        one = Target(target.urls[:1], token, ids, {"service-0": replicas[0].process.pid}, dsn)
        report = await _measure(args, one, bound, target)
        if args.only_get:
            return
        doc = write_section("participants", _section(args), _render(args, pg, load, report))
        print(f"written to {doc.relative_to(ROOT)}")
    finally:
        _stop(replicas + bares)
        await drop_database(name)


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--replicas", type=int, default=2, help="service processes for the list (the read: one)"
    )
    parser.add_argument("--generators", type=int, default=1)
    parser.add_argument("--pool", type=int, default=10, help="database connections per replica")
    parser.add_argument(
        "--load",
        choices=["wrk", "httpx"],
        default="wrk" if shutil.which("wrk") else "httpx",
        help="the load generator: wrk (apt-get install wrk) if present, else httpx processes",
    )
    parser.add_argument("--only-get", action="store_true", help="the read and its bound only")
    parser.add_argument(
        "--rounds", type=int, default=8, help="alternating windows of the read (the ratio)"
    )
    parser.add_argument("--round-seconds", type=float, default=5)
    parser.add_argument("--pause", type=float, default=0, help="seconds to wait before loading")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(_args()))
