"""Benchmark: registration for an event when everyone comes at once (issue 18, item 3).

Starts the events service as a real process on the local infrastructure with a fresh database,
schedules one daily series, then measures in one run (about 1.7 minutes):
- capacity, closed loop: wrk (C, one thread, `--concurrency` keep-alive connections), every
  request a new guest, all for ONE occurrence (every registration of it takes the same row
  lock: the worst case), then spread over 20 occurrences;
- latency at 500 registrations/s offered (and at 100/s), open loop (bench/openloop.py's
  connections: a request waits for no answer before the next is sent), all for one
  occurrence;
- the bound: PostgreSQL alone (pgbench, C, the same concurrency) doing the transaction one
  registration needs (lock the occurrence, duplicate check, insert, seat counter, reminder,
  outbox row), on one occurrence and spread over 20;
- CPU per registration of the service, PostgreSQL and the load generator (from /proc);
- after the runs: no occurrence with more confirmed than seats or a counter that disagrees
  with its rows, every occurrence's confirmed arrived before its waitlisted, and how many
  registrations one transaction made;
and writes it all as the section `events_registration` of docs/benchmarks/events.md.

    .venv/bin/python bench/events_registration.py [--seconds 8] [--concurrency 50]
        [--replicas 1]
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import json
import os
import re
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
from common import (
    CpuMeter,
    Latency,
    create_database,
    drop_database,
    server_version,
    start_events,
    wait_ready,
    write_section,
)
from openloop import _Connections, _exchange
from voimala_kit.auth import generate_keys, issue_token
from voimala_kit.testing import free_port
from voimala_scheduling.settings import Settings as EventsSettings

ROOT = Path(__file__).resolve().parent.parent
SECTION = "events_registration"
WORK = ROOT / ".local" / "bench"
#: Issue 18: >= 1,000/s on one contended occurrence, >= 1,500/s over 20, p99 <= 100 ms at
#: 500/s offered (open loop).
TARGET_ONE, TARGET_SPREAD, TARGET_RATE, TARGET_P99_MS = 1000, 1500, 500, 100
SEATS_ONE, SEATS_SPREAD = 100, 200
#: An open loop well below what this machine allows, for the latency of the batches alone.
GENTLE_RATE = 100

_WRK_LUA = r"""
-- Every request a new guest for one of the occurrences (round robin). Written by the bench.
local occs, n, tag = {}, 0, ""
local headers = {["Content-Type"] = "application/json"}
function init(args)
  for line in io.lines(args[1]) do occs[#occs + 1] = line end
  tag = args[2]
end
function request()
  n = n + 1
  local occ = occs[(n % #occs) + 1]
  local body = '{"guest":{"name":"Bench Guest","email":"w' .. tag .. "." .. n .. '@example.fi"}}'
  return wrk.format("POST", "/occurrences/" .. occ .. "/registrations", headers, body)
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

# The bound: what one registration asks of PostgreSQL, with nothing else in between (the
# outbox row goes to a copy of the table the service's relay does not read).
_PGBENCH = r"""
\set k random(1, :n)
BEGIN;
SELECT capacity, confirmed FROM occurrence
  WHERE id = (SELECT id FROM bench_pick WHERE k = :k) FOR UPDATE;
SELECT 1 FROM registration WHERE occurrence_id = (SELECT id FROM bench_pick WHERE k = :k)
  AND person_key = 'e:b' || :client_id || '.' || random() AND status <> 'cancelled';
INSERT INTO registration (id, occurrence_id, guest_name, guest_email, person_key,
  cancel_token, status)
  VALUES (gen_random_uuid(), (SELECT id FROM bench_pick WHERE k = :k), 'Bench Guest',
  'b@example.fi', 'e:b' || :client_id || '.' || random(), md5(random()::text), 'confirmed')
  RETURNING id, arrival, created_at;
UPDATE occurrence SET confirmed = confirmed + 1
  WHERE id = (SELECT id FROM bench_pick WHERE k = :k);
INSERT INTO reminder (id, registration_id, due_at)
  VALUES (gen_random_uuid(), gen_random_uuid(), now() + interval '2 days');
INSERT INTO bench_outbox (event_id, topic, key, payload)
  VALUES (gen_random_uuid(), 'bench', 'k', convert_to(repeat('x', 900), 'UTF8'));
END;
"""
_BOUND_TABLES = """
CREATE TABLE bench_pick (k int PRIMARY KEY, id uuid NOT NULL);
CREATE TABLE bench_outbox (LIKE outbox INCLUDING ALL);
ALTER TABLE reminder DROP CONSTRAINT IF EXISTS reminder_registration_id_fkey;
"""


@dataclass
class Run:
    """One load phase: rate, latency, errors, ms of CPU per registration by component."""

    rate: float
    latency: Latency
    errors: int
    cpu_ms: dict[str, float]


def _per_registration(cores: dict[str, float], rate: float) -> dict[str, float]:
    """ms of CPU per registration by component (replicas and generators summed)."""
    out: dict[str, float] = {}
    for k, v in cores.items():
        name = k.partition("-")[0]
        out[name] = out.get(name, 0.0) + (v * 1000 / rate if rate > 0 else 0.0)
    return out


async def _wrk(
    urls: list[str], occs: list[str], seconds: float, concurrency: int, pids: list[int]
) -> Run:
    """One wrk per replica for `seconds`, CPU read over the steady middle (an exited
    process's CPU is gone from /proc)."""
    WORK.mkdir(parents=True, exist_ok=True)
    script, occ_file = WORK / "registration.lua", WORK / f"occs-{uuid.uuid4().hex[:6]}.txt"
    script.write_text(_WRK_LUA)
    occ_file.write_text("\n".join(occs) + "\n")
    procs = [
        await asyncio.create_subprocess_exec(
            "wrk",
            "-t1",
            f"-c{max(1, concurrency // len(urls))}",
            f"-d{seconds:.0f}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
            "--",
            str(occ_file),
            uuid.uuid4().hex[:8],
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for url in urls
    ]
    await asyncio.sleep(1.0)
    own = {f"service-{i}": p for i, p in enumerate(pids)}
    meter = CpuMeter(own | {f"wrk-{i}": p.pid for i, p in enumerate(procs)})
    await asyncio.sleep(max(1.0, seconds - 2.5))
    cores = meter.cores()
    results = []
    for proc in procs:
        out, err = await proc.communicate()
        line = next((x for x in out.decode().splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            raise RuntimeError(f"wrk said nothing useful: {out.decode()} {err.decode()}")
        results.append(json.loads(line.removeprefix("RESULT ")))
    rate = sum(r["requests"] / (r["micros"] / 1e6) for r in results)
    # Several wrk processes: the worst of their percentiles (an upper bound).
    latency = Latency(*(max(r[k] for r in results) / 1000 for k in ("p50", "p95", "p99", "max")))
    errors = sum(r["errors"] for r in results)
    return Run(rate, latency, errors, _per_registration(cores, rate))


async def _open_loop(
    ports: list[int], occ: str, rate: float, seconds: float, warmup: float, pids: list[int]
) -> Run:
    """POSTs on a fixed schedule (as bench/openloop.py GETs), round robin over the replicas:
    each latency from its due time."""
    pools = [_Connections("127.0.0.1", port, 256) for port in ports]
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    errors = 0
    tag = uuid.uuid4().hex[:8]
    tasks: set[asyncio.Task[None]] = set()

    def request(n: int) -> bytes:
        body = f'{{"guest":{{"name":"Open Loop","email":"o{tag}.{n}@example.fi"}}}}'.encode()
        return (
            f"POST /occurrences/{occ}/registrations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body

    async def one(due: float, raw: bytes, measured: bool, pool: _Connections) -> None:
        nonlocal errors
        conn = await pool.take()
        try:
            status = await _exchange(conn, raw)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            pool.drop(conn)
            errors += measured
            return
        pool.give_back(conn)
        if measured:
            latencies.append(loop.time() - due)
            errors += not 200 <= status < 300

    skip, total = int(rate * warmup), int(rate * (warmup + seconds))
    start, sent, meter = loop.time() + 0.05, 0, None
    while sent < total:
        if sent >= skip and meter is None:
            meter = CpuMeter({f"service-{i}": p for i, p in enumerate(pids)})
        while sent < total and start + sent / rate <= loop.time():
            pool = pools[sent % len(pools)]
            task = asyncio.create_task(one(start + sent / rate, request(sent), sent >= skip, pool))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            sent += 1
        await asyncio.sleep(max(0.0, start + sent / rate - loop.time()))
    cores = meter.cores() if meter else {}
    if tasks:
        await asyncio.wait(set(tasks), timeout=10)
    late = len(tasks)
    for task in list(tasks):
        task.cancel()
    for pool in pools:
        pool.close()
    delivered = len(latencies) / seconds
    return Run(delivered, Latency.of(latencies), errors + late, _per_registration(cores, rate))


async def _pgbench(dsn: str, occs: list[str], seconds: float, concurrency: int) -> Run:
    """PostgreSQL alone: the registration transaction from `concurrency` pgbench clients."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("TRUNCATE bench_pick")
        await conn.executemany(
            "INSERT INTO bench_pick VALUES ($1, $2)",
            [(i + 1, uuid.UUID(o)) for i, o in enumerate(occs)],
        )
    finally:
        await conn.close()
    script = WORK / "registration.sql"
    script.write_text(_PGBENCH)
    found = shutil.which("pgbench") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"))), "pgbench"
    )
    proc = await asyncio.create_subprocess_exec(
        found,
        "-n",
        f"-c{concurrency}",
        "-j2",
        f"-T{seconds:.0f}",
        "-D",
        f"n={len(occs)}",
        "-f",
        str(script),
        dsn,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    await asyncio.sleep(1.0)
    meter = CpuMeter({"pgbench": proc.pid})
    await asyncio.sleep(max(1.0, seconds - 2.0))
    cores = meter.cores()
    out, err = await proc.communicate()
    text = out.decode()
    tps = re.search(r"tps = ([\d.]+)", text)
    avg = re.search(r"latency average = ([\d.]+) ms", text)
    if tps is None:
        raise RuntimeError(f"pgbench failed: {text} {err.decode()}")
    rate = float(tps.group(1))
    mean = float(avg.group(1)) if avg else 0.0
    return Run(rate, Latency(mean, 0, 0, 0), 0, _per_registration(cores, rate))


async def _check(dsn: str, bound: list[str], one: str, spread: list[str]) -> dict[str, float]:
    """Seats and order after the runs (no cancellations in between), but for the bound's."""
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            """
            WITH r AS (
                SELECT occurrence_id,
                       count(*) FILTER (WHERE status = 'confirmed') AS confirmed,
                       max(arrival) FILTER (WHERE status = 'confirmed') AS last_confirmed,
                       min(arrival) FILTER (WHERE status = 'waitlisted') AS first_waiting,
                       count(*) AS registrations
                FROM registration GROUP BY occurrence_id)
            SELECT
              count(*) FILTER (WHERE r.confirmed > COALESCE(o.capacity, s.capacity)) AS over,
              count(*) FILTER (WHERE r.confirmed <> o.confirmed) AS miscounted,
              count(*) FILTER (WHERE r.last_confirmed > r.first_waiting) AS out_of_order,
              COALESCE(sum(r.registrations), 0) AS registrations
            FROM r JOIN occurrence o ON o.id = r.occurrence_id JOIN series s ON s.id = o.series_id
            WHERE o.id <> ALL($1::uuid[])
            """,
            [uuid.UUID(o) for o in bound],
        )
        # One transaction's rows share its start time: registrations per transaction.
        per = (
            "SELECT count(*)::float / count(DISTINCT created_at) FROM registration "
            "WHERE occurrence_id = ANY($1::uuid[])"
        )
        batch = await conn.fetchval(per, [uuid.UUID(one)])
        spread_batch = await conn.fetchval(per, [uuid.UUID(o) for o in spread])
    finally:
        await conn.close()
    assert row is not None
    found = {k: int(row[k]) for k in ("over", "miscounted", "out_of_order", "registrations")}
    return found | {"batch": float(batch or 0), "spread_batch": float(spread_batch or 0)}


def _series(first: str, count: int) -> dict[str, Any]:
    return {
        "category": "workshop",
        "title": {"fi": "Suosittu kurssi", "en": "A popular course"},
        "description": {"fi": "Kaikki tulevat yhtä aikaa"},
        "rrule": f"FREQ=DAILY;COUNT={count}",
        "first_date": first,
        "start_time": "10:00",
        "end_time": "12:00",
        "capacity": SEATS_SPREAD,
        "skip_holidays": False,
        "registration_opens_days_before": 365,
    }


async def _setup(url: str, dsn: str, token: str) -> list[str]:
    """One daily series starting in three days; the first occurrence keeps 100 seats."""
    first = (datetime.now(ZoneInfo("Europe/Helsinki")).date() + timedelta(days=3)).isoformat()
    async with httpx.AsyncClient(timeout=60, headers={"Authorization": f"Bearer {token}"}) as c:
        r = await c.post(f"{url}/series", json=_series(first, 70))
        r.raise_for_status()
        conn = await asyncpg.connect(dsn)
        try:
            rows = await conn.fetch("SELECT id FROM occurrence ORDER BY starts_at")
            await conn.execute(_BOUND_TABLES)
        finally:
            await conn.close()
        occs = [str(x["id"]) for x in rows]
        for occ in (occs[0], occs[21]):
            r = await c.patch(f"{url}/occurrences/{occ}", json={"capacity": SEATS_ONE})
            r.raise_for_status()
    return occs


def _cpu(run: Run) -> str:
    parts = [f"{k} {v:.2f}" for k, v in run.cpu_ms.items() if k not in ("busy",) and v >= 0.005]
    return ", ".join(parts)


def _lat(latency: Latency) -> str:
    return f"{latency.p50:.1f} / {latency.p95:.1f} / {latency.p99:.1f} / {latency.max:.1f}"


@dataclass
class Results:
    one: Run
    spread: Run
    paced: Run
    gentle: Run
    bound_one: Run
    bound_spread: Run
    check: dict[str, float]


def _arithmetic(run: Run) -> str:
    """What the CPU per registration allows on this machine's cores (the ceiling)."""
    parts = {k: v for k, v in run.cpu_ms.items() if k in ("service", "postgres", "kafka", "wrk")}
    total = sum(parts.values())
    cores = os.cpu_count() or 1
    service = parts.get("service", 0.0)
    return (
        f"- CPU arithmetic (ONE occurrence): {' + '.join(f'{k} {v:.2f}' for k, v in parts.items())}"
        f" = {total:.2f} ms of CPU per registration: {cores} cores allow at most "
        f"{cores * 1000 / total if total else 0:,.0f}/s; the service's processes "
        f"{service:.2f} ms: {1000 / service if service else 0:,.0f}/s per core they get."
    )


def _met(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def _report(res: Results, args: argparse.Namespace, pg: str, load: str, took: float) -> str:
    one, spread, paced, b1, b20 = res.one, res.spread, res.paced, res.bound_one, res.bound_spread
    c = args.concurrency
    paced_ok = paced.errors == 0 and paced.latency.p99 <= TARGET_P99_MS
    correct = res.check["over"] == 0 and res.check["miscounted"] == 0
    ordered = res.check["out_of_order"] == 0
    lanes = EventsSettings().registration_lanes
    return "\n".join(
        [
            f"<!-- {SECTION}:start -->",
            "## Registration when everyone comes at once (`bench/events_registration.py`)",
            "",
            f"Run {datetime.now().astimezone().isoformat(timespec='minutes')}, PostgreSQL {pg}, "
            f"load average before the run {load} (2 shared cores); took {took:.0f} s. "
            f"{args.replicas} service process(es); the load from wrk (C, one thread, "
            "keep-alive), every request a "
            "new guest; the bound from pgbench (C) doing the same registration transaction "
            "(lock, duplicate check, insert, seat counter, reminder, outbox row) at the same "
            "concurrency. CPU is ms per registration from /proc (postgres: every backend of "
            "the machine, other: the rest of the machine's busy time).",
            "",
            "| | registrations/s | ms p50 / p95 / p99 / max | errors | ms CPU per registration |",
            "|---|---|---|---|---|",
            f"| ONE occurrence ({SEATS_ONE} seats), wrk, {c} connections | {one.rate:,.0f} | "
            f"{_lat(one.latency)} | {one.errors} | {_cpu(one)} |",
            f"| 20 occurrences ({SEATS_SPREAD} seats each), wrk, {c} connections | "
            f"{spread.rate:,.0f} | {_lat(spread.latency)} | {spread.errors} | {_cpu(spread)} |",
            f"| ONE occurrence, open loop {TARGET_RATE}/s offered | {paced.rate:,.0f} "
            f"delivered | {_lat(paced.latency)} | {paced.errors} | {_cpu(paced)} |",
            f"| ONE occurrence, open loop {GENTLE_RATE}/s offered | {res.gentle.rate:,.0f} "
            f"delivered | {_lat(res.gentle.latency)} | {res.gentle.errors} | "
            f"{_cpu(res.gentle)} |",
            f"| bound: PostgreSQL alone, ONE occurrence, pgbench {c} clients | {b1.rate:,.0f} | "
            f"mean {b1.latency.p50:.1f} | - | {_cpu(b1)} |",
            f"| bound: PostgreSQL alone, 20 occurrences, pgbench {c} clients | {b20.rate:,.0f} "
            f"| mean {b20.latency.p50:.1f} | - | {_cpu(b20)} |",
            "",
            f"- ONE occurrence: {one.rate:,.0f}/s = {one.rate / b1.rate:.2f} of the bound; "
            f"target {TARGET_ONE:,}/s {_met(one.rate >= TARGET_ONE and one.errors == 0)}.",
            f"- 20 occurrences: {spread.rate:,.0f}/s = {spread.rate / b20.rate:.2f} of the "
            f"bound; target {TARGET_SPREAD:,}/s "
            f"{_met(spread.rate >= TARGET_SPREAD and spread.errors == 0)}.",
            f"- Open loop at {TARGET_RATE}/s: p99 {paced.latency.p99:.1f} ms; target "
            f"≤ {TARGET_P99_MS} ms {_met(paced_ok)}.",
            f"- After the runs ({res.check['registrations']:,.0f} registrations): occurrences "
            f"with more confirmed than seats or a seat counter unlike its rows: "
            f"{res.check['over'] + res.check['miscounted']:.0f} ({_met(correct)}); "
            f"occurrences where someone waitlisted arrived before someone confirmed: "
            f"{res.check['out_of_order']:.0f} ({_met(ordered)}).",
            _arithmetic(one),
            f"- Registrations per transaction (lanes per process: {lanes}; each lane takes every "
            f"registration waiting in it into one transaction; one occurrence's are all in one "
            f"lane, different occurrences' go side by side): {res.check['batch']:.1f} on the "
            f"ONE occurrence, {res.check['spread_batch']:.1f} over the 20, on average.",
            "",
            f"<!-- {SECTION}:end -->",
        ]
    )


@dataclass(frozen=True)
class Service:
    """The replicas under load: where they listen, their processes."""

    ports: list[int]
    pids: list[int]

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.ports]


async def _measure(args: argparse.Namespace, svc: Service, dsn: str) -> Results:
    private, _ = generate_keys(ROOT / ".local" / "keys")
    token = issue_token(private.read_bytes(), role="coordinator", subject="bench")
    occs = await _setup(svc.urls[0], dsn, token)
    s, c, urls, pids = args.seconds, args.concurrency, svc.urls, svc.pids
    await _wrk(urls, occs[40:60], 3, c, pids)  # warm-up, not reported
    one = await _wrk(urls, occs[:1], s, c, pids)
    await asyncio.sleep(2)
    spread = await _wrk(urls, occs[1:21], s, c, pids)
    await asyncio.sleep(2)
    gentle = await _open_loop(svc.ports, occs[65], GENTLE_RATE, s, 2.0, pids)
    await asyncio.sleep(2)
    paced = await _open_loop(svc.ports, occs[21], TARGET_RATE, s, 2.0, pids)
    await asyncio.sleep(2)
    bound_one = await _pgbench(dsn, occs[22:23], s, c)
    bound_spread = await _pgbench(dsn, occs[23:43], s, c)
    check = await _check(dsn, occs[22:43], occs[0], occs[1:21])
    return Results(one, spread, paced, gentle, bound_one, bound_spread, check)


async def main(args: argparse.Namespace) -> None:
    began = time.monotonic()
    name, dsn = await create_database("events")
    pg = await server_version()
    _, public = generate_keys(ROOT / ".local" / "keys")
    (ROOT / ".local" / "logs").mkdir(parents=True, exist_ok=True)
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])  # noqa: ASYNC240 - /proc
    processes: list[subprocess.Popen[bytes]] = []
    ports: list[int] = []
    try:
        for _ in range(args.replicas):  # one after another: the first migrates
            ports.append(free_port())
            processes.append(start_events(dsn, public, ports[-1]))
            await wait_ready(f"http://127.0.0.1:{ports[-1]}")
        svc = Service(ports, [p.pid for p in processes])
        if args.hold:
            print(f"service pids {svc.pids} on {svc.urls}, database {dsn}")
        res = await _measure(args, svc, dsn)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        await drop_database(name)
    section = _report(res, args, pg, load, time.monotonic() - began) + "\n"
    print(section)
    write_section("events", SECTION, section)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--replicas", type=int, default=1, help="service processes")
    parser.add_argument("--hold", action="store_true", help="print the service's pid first")
    asyncio.run(main(parser.parse_args()))
