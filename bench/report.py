"""docs/benchmarks.md: the machine, the parameters, the numbers and what bounds them."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from bounds import DatabaseResult, KafkaResult
from pipeline import PipelineResult

ROOT = Path(__file__).resolve().parent.parent
_OURS = ("writers+relay", "writers", "producer", "consumer", "postgres", "kafka")
_RELAY_IDLE_POLL_MS = 250  # the kit's default, which the benchmark keeps


@dataclass
class Results:
    command: str
    params: dict[str, str]
    machine: dict[str, str]
    database: DatabaseResult
    kafka: list[KafkaResult]
    pipeline: list[PipelineResult]
    seconds: float  # the whole run

    @property
    def lower_bound(self) -> tuple[str, float]:
        kafka = max(k.throughput for k in self.kafka)
        return min(("Kafka", kafka), ("PostgreSQL", self.database.throughput), key=lambda b: b[1])

    @property
    def flat_out(self) -> PipelineResult:
        return next(p for p in self.pipeline if p.offered is None)

    @property
    def ratio(self) -> float:
        return self.flat_out.throughput / self.lower_bound[1]


def machine(pg_version: str, load: str) -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    jars = sorted((ROOT / ".local/kafka/jars").glob("kafka-server-[0-9]*.jar"))
    kafka = jars[0].stem.removeprefix("kafka-server-") if jars else "unknown"
    return {
        "CPU": f"{cpu}, nproc {_nproc()}",
        "RAM": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": f"{platform.python_version()} (aiokafka {version('aiokafka')}, "
        f"asyncpg {version('asyncpg')})",
        "Kafka": f"{kafka}, one local broker (deploy/local)",
        "PostgreSQL": pg_version,
        "Load when the run started": load,
    }


def _nproc() -> int:
    return os.cpu_count() or 1


def _offered(rate: float | None) -> str:
    return "flat out" if rate is None else f"{rate:,.0f}/s"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _results_table(r: Results) -> list[str]:
    rows = [
        "| Measurement | Offered | Count | Throughput /s | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for p in r.pipeline:
        offered = _offered(p.offered)
        if p.offered is not None:
            offered += f" (written at {p.writes.rate:,.0f}/s)"
        lat = p.latency
        rows.append(
            _row(
                [
                    "Pipeline: writer commit → consumer effect commit",
                    offered,
                    f"{p.events:,}",
                    f"**{p.throughput:,.0f}**",
                    *(f"{v:.1f}" for v in (lat.p50, lat.p95)),
                    f"**{lat.p99:.1f}**",
                    f"{lat.max:.1f}",
                ]
            )
        )
    for k in r.kafka:
        lat = k.latency
        rows.append(
            _row(
                [
                    "Kafka alone: send() → consumer fetch",
                    _offered(k.offered),
                    f"{k.messages:,}",
                    f"{k.throughput:,.0f}",
                    *(f"{v:.1f}" for v in (lat.p50, lat.p95, lat.p99, lat.max)),
                ]
            )
        )
    d = r.database
    rows.append(
        _row(["PostgreSQL alone: commits", "flat out", f"{d.commits:,}", f"{d.throughput:,.0f}"])
        + " | | | |"
    )
    return rows


def _stages_table(r: Results) -> list[str]:
    rows = [
        "| Pipeline run | Relay batches (claim → send → acks → delete → commit) | "
        "Consumer batches (decode → inbox + effect per event → commit) | "
        "Consumer offset commits |",
        "|---|---|---|---|",
    ]
    for p in r.pipeline:
        commits = p.consumer.commit_seconds / max(p.consumer.rounds, 1) * 1000
        rows.append(
            _row(
                [
                    _offered(p.offered),
                    p.relay.describe(),
                    p.consumer.describe(),
                    f"{commits:.1f} ms each",
                ]
            )
        )
    return rows


def _cpu_table(r: Results) -> list[str]:
    runs: list[tuple[str, dict[str, float], float]] = [
        *((f"Pipeline, {_offered(p.offered)}", p.cpu, p.throughput) for p in r.pipeline),
        *((f"Kafka alone, {_offered(k.offered)}", k.cpu, k.throughput) for k in r.kafka),
        ("PostgreSQL alone", r.database.cpu, r.database.throughput),
    ]
    shown = [c for c in (*_OURS, "other") if any(c in cpu for _, cpu, _ in runs)]
    rows = [
        _row(["Run", *shown, "machine busy", "ours, ms CPU per event"]),
        "|---|" + "---:|" * (len(shown) + 2),
    ]
    for name, cpu, rate in runs:
        cells = [f"{cpu[c]:.2f}" if c in cpu else "" for c in shown]
        rows.append(_row([name, *cells, f"{cpu['busy']:.2f}", f"{_cpu_ms(cpu, rate):.2f}"]))
    return rows


def _cpu_ms(cpu: dict[str, float], rate: float) -> float:
    """CPU time the benchmark's processes, PostgreSQL and Kafka spent per event, in ms."""
    return sum(cpu.get(c, 0.0) for c in _OURS) / rate * 1000


def _bounds_paragraphs(r: Results) -> list[str]:
    name, bound = r.lower_bound
    flat = r.flat_out
    cores = _nproc()
    per_event = _cpu_ms(flat.cpu, flat.throughput)
    heaviest = max((c for c in _OURS if c in flat.cpu), key=lambda c: flat.cpu[c])
    relay_cap = flat.relay.events / flat.relay.seconds if flat.relay.seconds else 0.0
    busy_consumer = flat.consumer.seconds + flat.consumer.commit_seconds
    consumer_cap = flat.consumer.events / busy_consumer if busy_consumer else 0.0
    paragraphs = [
        f"Flat out the pipeline moved {flat.throughput:,.0f} events/s, {r.ratio:.2f} of the "
        f"lower bound ({name} alone, {bound:,.0f}/s; aim ≥ 0.5). {_verdict(r)}",
        f"**CPU.** During the flat-out run the machine was {flat.cpu['busy'] / cores:.0%} busy "
        f"({flat.cpu['busy']:.2f} of {cores} cores). Every event cost {per_event:.2f} ms of CPU "
        f"in the writers, relay, consumer, PostgreSQL and Kafka together ({heaviest} the most, "
        f"{flat.cpu[heaviest] / flat.throughput * 1000:.2f} ms), so {cores} cores can carry at "
        f"most about {cores / per_event * 1000:,.0f} events/s however the work is spread. The "
        "bounds measured alone are not additive: in the pipeline the database does the "
        "writers' commits *and* the relay's claims and deletes *and* the consumer's inbox and "
        "effect rows, on the same cores as Kafka and the Python processes.",
        f"**Stages.** Measured while sharing the machine, the writers committed "
        f"{flat.writes.rate:,.0f}/s, the relay published {relay_cap:,.0f}/s while inside a "
        f"batch and the consumer applied {consumer_cap:,.0f}/s while inside a batch or an "
        "offset commit. The relay and the consumer work batch by batch, so latency at a "
        "steady load is about one relay batch cycle, Kafka's produce (acks=all, linger 2 ms) "
        "and fetch, and one consumer batch transaction plus its offset commit.",
    ]
    tail = max(flat.tail_max, *(p.tail_max for p in r.pipeline))
    if tail >= 0.8 * _RELAY_IDLE_POLL_MS:
        paragraphs.append(
            f"**The max column.** The slowest events ({tail:.0f} ms) were among the last 1 % "
            "written: when writing stops, an event committed while the relay was publishing a "
            f"batch may wait up to the relay's idle poll ({_RELAY_IDLE_POLL_MS} ms) when its "
            "wake-up was lost; look at the relay's wake-up handling."
        )
    return paragraphs


def _verdict(r: Results) -> str:
    target = next((p for p in r.pipeline if p.offered is not None), None)
    if target is None:
        return ""
    met = target.throughput >= 0.98 * (target.offered or 0) and target.latency.p99 <= 100
    return (
        f"Offered {target.offered:,.0f} events/s, the writers managed {target.writes.rate:,.0f}/s "
        f"and the pipeline delivered {target.throughput:,.0f}/s with p99 "
        f"{target.latency.p99:.0f} ms: the target (≥ 2,000/s sustained, p99 ≤ 100 ms) is "
        f"**{'met' if met else 'not met'}** on this machine."
    )


def render(r: Results) -> str:
    name, bound = r.lower_bound
    return "\n".join(
        [
            "# Benchmarks",
            "",
            "Generated by `make bench` (`bench/run.py`); do not edit by hand, run it again. "
            f"Command: `{r.command}`. The whole run took {r.seconds:.0f} s, "
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
            "",
            "**The pipeline** is the platform's real path: writer tasks each commit one "
            "transaction per event (a state row + `Outbox.add`), the kit's `Relay` publishes "
            "(woken in-process after each outbox commit), and the kit's `Consumer`, in a "
            "separate process, "
            "applies each event (inbox row + an effect row in one transaction per batch). "
            "Latency runs from the writer's COMMIT returning to the consumer's transaction "
            "committing, both on this machine's wall clock. **Kafka alone** uses the same "
            "producer settings (idempotent, acks=all) and message size, with the consumer in "
            "another process. **PostgreSQL alone** runs the writers' transactions with the same "
            "concurrency and no Kafka.",
            "",
            "## Machine",
            "",
            "| | |",
            "|---|---|",
            *(_row([k, v]) for k, v in r.machine.items()),
            "",
            "The benchmark does not have the machine to itself: other test runs and running "
            "services share the cores. Their CPU use during each run is the *other* column "
            "below, and the numbers vary from run to run.",
            "",
            "## Parameters",
            "",
            "| | |",
            "|---|---|",
            *(_row([k, v]) for k, v in r.params.items()),
            "",
            "## Results",
            "",
            *_results_table(r),
            "",
            f"Pipeline flat out ÷ lower bound ({name}, {bound:,.0f}/s) = **{r.ratio:.2f}** "
            "(aim ≥ 0.5). Kafka's flat-out latency is mostly its producer's own queue: every "
            "message is handed to `send()` at once.",
            "",
            "### Where the time goes",
            "",
            *_stages_table(r),
            "",
            "CPU used during each run, in cores, from /proc (*postgres* is every PostgreSQL "
            "process, *kafka* the broker's JVM, *other* the rest of the machine's busy time):",
            "",
            *_cpu_table(r),
            "",
            "## What bounds it",
            "",
            *(line for p in _bounds_paragraphs(r) for line in (p, "")),
            *_service_sections(),
        ]
    )


SERVICE_RESULTS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks"


def _service_sections() -> list[str]:
    """The services' own benchmarks (bench/<service>_*.py write docs/benchmarks/<service>.md),
    included here one heading level down, so that every number is in one document."""
    lines: list[str] = []
    for path in sorted(SERVICE_RESULTS.glob("*.md")):
        lines += ["", f"<!-- included from docs/benchmarks/{path.name} -->", ""]
        for line in path.read_text(encoding="utf-8").splitlines():
            lines.append("#" + line if line.startswith("#") else line)
    return lines
