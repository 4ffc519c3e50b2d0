"""Outbox → Kafka → consumer: throughput and latency on this machine, into docs/benchmarks.md.

Run by `make bench` (infrastructure up) as `.venv/bin/python bench/run.py`; everything is
measured in one run, against a fresh database (`bench_<random>`, kit migrations, dropped at
the end) and fresh topics (3 partitions, deleted at the end).

1. PostgreSQL alone: the writers' transactions (a state row + `Outbox.add`, one commit per
   event) with the same concurrency and nothing reading them; commits/s.
2. Kafka alone: messages of the pipeline's size through a producer made by the kit's
   `make_producer` (idempotent, acks=all), read by a consumer in another process, flat out
   and at the offered rate; latency from `send()` to the consumer's fetch returning.
3. The pipeline: writer tasks committing one transaction per event, the kit's `Relay`
   (woken in-process after each outbox commit) in this process, the kit's `Consumer` in a
   process of its own applying each fetch in one transaction (the inbox rows in one statement,
   the effect rows in one: the bench's handler is a `Handler.apply_many`). Every process runs on
   uvloop, as every service does under uvicorn. After a warm-up that runs the whole path,
   `--events` are written flat out in `--rounds` rounds, with PostgreSQL alone again after
   each, then at `--rate`. Each round's bound is the mean of PostgreSQL alone right before and
   right after it, and the ratio judged is the median round's: the host's speed drifts from
   minute to minute more than the distance to the target.
   Throughput is events ÷ (first measured write started → last effect committed). Latency is
   the consumer's wall clock after its transaction committed minus the writer's wall clock
   after its commit returned (same machine, same clock), per event.

The report also gives the pipeline's throughput as a share of the lower bound, how the relay
and the consumer spent their batches, and the CPU each component used (read from /proc, so
other work on the machine shows as "other"). Nothing here asserts on time: it measures.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

import asyncpg
from bounds import DatabaseResult, KafkaResult, database_bound, kafka_bound
from common import (
    NOTE,
    PARTITIONS,
    BenchHappened,
    empty_tables,
    fresh_database,
    quiet_logs,
    run_loop,
)
from pipeline import PipelineResult, run_pipeline
from report import ROOT, FlatRound, Results, machine, median_round, render
from voimala_contracts import new_event


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000, help="measured events per run")
    parser.add_argument("--warmup", type=int, default=2_000, help="events before measuring")
    parser.add_argument("--writers", type=int, default=16, help="concurrent writer tasks")
    parser.add_argument("--rate", type=float, default=2_000, help="offered events/s, run (b)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="flat-out runs of the pipeline, each followed by PostgreSQL alone; the ratio is "
        "the median round's",
    )
    parser.add_argument(
        "--open-writers",
        type=int,
        default=64,
        help="writer tasks in run (b): each event starts when due while fewer are in flight, "
        "at most --connections transactions at once",
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=24,
        help="run (b): writer transactions at once (the pool: this + 4 for the relay)",
    )
    parser.add_argument(
        "--output", type=Path, default=ROOT / "docs/benchmarks.md", help="report to write"
    )
    return parser.parse_args(argv)


def message_size() -> int:
    sid = uuid.uuid4()
    event = new_event(
        BenchHappened(seq=1_000_000, subject_id=sid, note=NOTE), service="bench", subject=str(sid)
    )
    return len(event.to_json())


async def pg_version(dsn: str) -> str:
    conn = await asyncpg.connect(dsn)
    try:
        version = await conn.fetchval("SHOW server_version")
        fsync = await conn.fetchval("SHOW fsync")
        sync = await conn.fetchval("SHOW synchronous_commit")
    finally:
        await conn.close()
    return f"{version}, fsync {fsync}, synchronous_commit {sync}"


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


async def measure_database(dsn: str, args: argparse.Namespace) -> DatabaseResult:
    step(f"PostgreSQL alone, {args.events:,} commits")
    result = await database_bound(dsn, args.events, args.writers)
    step(f"  {result.throughput:,.0f} commits/s")
    await empty_tables(dsn)
    return result


async def measure_kafka(args: argparse.Namespace, size: int) -> list[KafkaResult]:
    results = []
    for rate in (None, args.rate):
        step(f"Kafka alone, {args.events:,} messages of {size} bytes, offered {rate or 'max'}")
        results.append(await kafka_bound(args.events, size, rate))
        k = results[-1]
        step(f"  {k.throughput:,.0f}/s, p50 {k.latency.p50:.1f} ms, p99 {k.latency.p99:.1f} ms")
    return results


async def measure_pipeline(
    dsn: str, args: argparse.Namespace, database: DatabaseResult
) -> tuple[list[PipelineResult], list[FlatRound]]:
    """The pipeline flat out in `--rounds` rounds, PostgreSQL alone after each (the bound on
    both sides of what it bounds), then the pipeline at the offered rate. Returns the median
    round's pipeline and the one at the rate, and every round."""
    rounds: list[FlatRound] = []
    before = database
    for i in range(args.rounds):
        step(
            f"Pipeline, round {i + 1} of {args.rounds}: {args.warmup:,} + {args.events:,} "
            "events, flat out"
        )
        p = await run_pipeline(dsn, args.events, args.warmup, args.writers, None)
        step(f"  {p.throughput:,.0f}/s, p50 {p.latency.p50:.1f} ms, p99 {p.latency.p99:.1f} ms")
        await empty_tables(dsn)
        after = await measure_database(dsn, args)
        rounds.append(FlatRound(before, p, after))
        before = after
    step(f"Pipeline, {args.warmup:,} + {args.events:,} events, offered {args.rate:,.0f}/s")
    # Each event is written when it is due, by one of up to 64 tasks (16 tasks would cap the
    # rate at 16 ÷ the transaction's time: the generator would be the limit), but at most
    # `--connections` transactions run at once, as a service's pool bounds its handlers'. With
    # all 64 at once, the relay's every round trip waited behind them: at the same delivered
    # rate its claims and acks took 2-3 times as long (docs).
    writers = max(args.writers, args.open_writers)
    paced = await run_pipeline(
        dsn, args.events, args.warmup, writers, args.rate, connections=args.connections
    )
    step(
        f"  {paced.throughput:,.0f}/s, p50 {paced.latency.p50:.1f} ms, "
        f"p99 {paced.latency.p99:.1f} ms"
    )
    return [median_round(rounds).pipeline, paced], rounds


async def main(argv: list[str]) -> None:
    args = parse_args(argv)
    quiet_logs()
    started = time.monotonic()
    load = f"1-minute load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    size = message_size()
    async with fresh_database() as dsn:
        step(f"database {dsn.rpartition('/')[2]}; {load}")
        database = await measure_database(dsn, args)
        kafka = await measure_kafka(args, size)
        pipeline, rounds = await measure_pipeline(dsn, args, database)
        version = await pg_version(dsn)
    results = Results(
        command=" ".join([".venv/bin/python bench/run.py", *argv]),
        params={
            "Measured events per run": f"{args.events:,} (after a warm-up of {args.warmup:,})",
            "Writer tasks": f"{args.writers} (PostgreSQL alone: pool of {args.writers + 2} "
            f"connections; the pipeline: {args.writers + 4}, the relay's included); in run "
            f"(b) {max(args.writers, args.open_writers)} tasks, each event written when it is "
            f"due, at most {args.connections} transactions at once, as a service's pool bounds "
            f"its handlers' (pool of {args.connections + 4}): 16 tasks alone would cap the rate "
            "at 16 ÷ the transaction's time",
            "Offered rate, run (b)": f"{args.rate:,.0f} events/s",
            "Flat-out rounds, run (a)": f"{args.rounds}, each followed by PostgreSQL alone "
            "(its bound: the runs right before and after it)",
            "Message size": f"{size} bytes (CloudEvents JSON)",
            "Topic partitions": str(PARTITIONS),
            "Relay": "kit defaults: batch 500 claimed and deleted in one statement (its commit "
            "asynchronous), the next batch claimed and sent while the last waits for its acks "
            "and commit (two in flight, lanes kept apart), idle poll 0.25 s, woken in-process "
            "after an outbox commit, claims at most every 10 ms while busy (gathering), VACUUM "
            "of the outbox every 2,000 published rows; producer without linger, the kit's "
            "murmur2 partitioner",
            "Consumer": "kit defaults: up to 500 records per fetch, one transaction per "
            "fetch (all partitions), offsets committed after it in one request, at most "
            "every 0.1 s while busy",
        },
        machine=machine(version, load),
        database=database,
        kafka=kafka,
        pipeline=pipeline,
        seconds=time.monotonic() - started,
        flat_rounds=rounds,
    )
    args.output.write_text(render(results), encoding="utf-8")
    step(f"wrote {args.output} ({results.seconds:.0f} s)")


if __name__ == "__main__":
    run_loop(main(sys.argv[1:]))
