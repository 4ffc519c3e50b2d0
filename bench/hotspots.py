"""Where the CPU goes: py-spy on the pipeline's processes, or on any running process.

Not part of `make bench` (its name has no underscore). Start here before changing code for
speed: measure, change, measure again.

    .venv/bin/python bench/hotspots.py pipeline [--events 30000] [--rate 2000]
        Runs the event pipeline of bench/run.py (writers + the kit's Relay in this process, the
        kit's Consumer in a child process) against a fresh database and fresh topics, with
        py-spy sampling both processes, and prints for each the functions that use the most
        CPU by self and by total share, CPU by package, and ms of CPU per event for every
        component (this process, the consumer, PostgreSQL, Kafka) read from /proc.

    .venv/bin/python bench/hotspots.py pid <pid> [--seconds 20]
        Samples any running Python process (a service started with `make run`, a benchmark's
        service process) while you drive load at it (wrk, bench/openloop.py, a bench script),
        and prints the same tables. `ps -ef | grep voimala_` finds the service's pid.

Options for both: `--top N` rows per table, `--speedscope FILE` to keep the raw profile for
https://www.speedscope.app (one file per process), `--rate-hz` py-spy's sampling rate.
py-spy samples without pausing the process (--nonblocking) and only threads that are running
(idle time is not counted), so the shares are of CPU, not of wall-clock time. The database's
own CPU is not in a Python profile: for a statement's cost use `EXPLAIN (ANALYZE, BUFFERS)`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY_SPY = ROOT / ".venv/bin/py-spy"
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")
_SYSCALLS = {"_SelectorSocketTransport.write", "EpollSelector.select", "socket.send"}
# Who a sample works for: the first frame from the root that names a part of the pipeline
# (the relay's sends run in aiokafka's own sender task, so they count as "kafka client").
PARTS = (
    ("write_one (", "writers (transaction + Outbox.add)"),
    ("Relay.", "relay (claim, send, commit, vacuum)"),
    ("Consumer._decode", "consumer: decode"),
    ("Consumer._apply", "consumer: inbox + handlers + commit"),
    ("Consumer.commit", "consumer: offset commits"),
    ("Consumer._commit", "consumer: offset commits"),
    ("aiokafka/", "kafka client (sender, fetcher, connections)"),
)


@dataclass
class Profile:
    """Stacks sampled from one process: (frames from the root, number of samples)."""

    name: str
    stacks: Counter[tuple[str, ...]]

    @property
    def samples(self) -> int:
        return sum(self.stacks.values())


def parse_raw(text: str) -> Counter[tuple[str, ...]]:
    """py-spy's --format raw: one line per distinct stack, `frame;frame;... count`."""
    stacks: Counter[tuple[str, ...]] = Counter()
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks[tuple(_short(f) for f in stack.split(";"))] += int(count)
    return stacks


def _short(frame: str) -> str:
    """`send (aiokafka/producer/producer.py:123)` -> `send (aiokafka/producer/producer.py)`."""
    match = _FRAME.match(frame)
    if not match:
        return frame
    path = match["file"]
    for marker in ("site-packages/", "/src/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{match['func']} ({path})"


def package_of(frame: str) -> str:
    """Who owns a frame's code: a site package, a voimala package, bench, or the stdlib."""
    path = frame.rpartition("(")[2].rstrip(")")
    if path.startswith("voimala_"):
        return path.split("/", 1)[0]
    first = path.split("/", 1)[0]
    if "/" in path and first not in ("", "."):
        return first if not first.startswith("python3") else "stdlib"
    return "bench" if path.endswith(".py") and "bench" in path else (first or "other")


def part_of(stack: tuple[str, ...]) -> str:
    for frame in stack:
        for marker, part in PARTS:
            if marker in frame:
                return part
    return "event loop and the rest (epoll, callbacks, timers)"


def parts(profile: Profile) -> Counter[str]:
    """Samples per part of the pipeline (`PARTS`)."""
    counted: Counter[str] = Counter()
    for stack, count in profile.stacks.items():
        counted[part_of(stack)] += count
    return counted


def part_lines(profile: Profile, ms_per_event: float | None) -> list[str]:
    """Each part's share of the process's CPU samples, and its ms of CPU per event."""
    total = profile.samples
    if not total:
        return []
    lines = [f"== {profile.name}: CPU per part" + (" (ms per event)" if ms_per_event else "")]
    for part, n in parts(profile).most_common():
        ms = f"  {n / total * ms_per_event:6.3f} ms" if ms_per_event else ""
        lines.append(f"{n / total:6.1%}{ms}  {part}")
    return [*lines, ""]


def top_tables(profile: Profile, top: int) -> list[str]:
    """Self and total CPU share per function, and self share per package, as text."""
    total = profile.samples
    if not total:
        return [f"{profile.name}: no samples (was the process idle, or did it exit at once?)"]
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    for stack, count in profile.stacks.items():
        own[stack[-1]] += count
        packages[package_of(stack[-1])] += count
        for frame in set(stack):
            inclusive[frame] += count
    lines = [f"== {profile.name}: {total:,} samples of CPU", "", "self %  function"]
    lines += [f"{n / total:6.1%}  {f}" for f, n in own.most_common(top)]
    waiting = sum(n for f, n in own.items() if f.split(" (", 1)[0] in _SYSCALLS)
    lines += [
        f"({waiting / total:.0%} of the samples are in socket system calls (send, epoll): on a "
        "busy machine that includes waiting for a core after waking the other end)"
    ]
    lines += ["", "total %  function (itself and what it calls)"]
    roots = {"<module>", "run", "_run_once", "run_forever", "run_until_complete", "_run"}
    shown = [(f, n) for f, n in inclusive.most_common() if f.split(" (", 1)[0] not in roots][:top]
    lines += [f"{n / total:7.1%}  {f}" for f, n in shown]
    lines += ["", "self %  package"]
    lines += [f"{n / total:6.1%}  {p}" for p, n in packages.most_common(top)]
    return [*lines, ""]


class Recorder:
    """One `py-spy record` attached to a pid, stopped with SIGINT (it then writes its file)."""

    def __init__(self, name: str, pid: int, rate_hz: int, speedscope: Path | None) -> None:
        self.name = name
        self._raw = Path(tempfile.mkstemp(prefix="pyspy-", suffix=".txt")[1])
        common = ["--pid", str(pid), "--rate", str(rate_hz), "--nonblocking", "--function"]
        self._procs = [_spy([*common, "--format", "raw", "-o", str(self._raw)])]
        if speedscope is not None:
            out = speedscope.with_name(f"{speedscope.stem}.{name}{speedscope.suffix or '.json'}")
            self._procs.append(_spy([*common, "--format", "speedscope", "-o", str(out)]))
            print(f"speedscope profile of {name}: {out}")

    def stop(self) -> Profile:
        for proc in self._procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in self._procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        text = self._raw.read_text("utf-8") if self._raw.exists() else ""
        self._raw.unlink(missing_ok=True)
        return Profile(self.name, parse_raw(text))


def _spy(args: list[str]) -> subprocess.Popen[bytes]:
    if not PY_SPY.exists():
        sys.exit(f"{PY_SPY} is missing: `make install` puts py-spy in the dev group")
    return subprocess.Popen(
        [str(PY_SPY), "record", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


async def profile_pid(args: argparse.Namespace) -> None:
    os.kill(args.pid, 0)  # fails here, clearly, if there is no such process
    recorder = Recorder(f"pid {args.pid}", args.pid, args.rate_hz, args.speedscope)
    print(f"sampling pid {args.pid} for {args.seconds:.0f} s: drive the load now")
    await asyncio.sleep(args.seconds)
    profile = recorder.stop()
    print("\n".join([*part_lines(profile, None), *top_tables(profile, args.top)]))


async def profile_pipeline(args: argparse.Namespace) -> None:
    from common import empty_tables, fresh_database, quiet_logs  # noqa: PLC0415
    from pipeline import run_pipeline  # noqa: PLC0415

    quiet_logs()
    recorders: list[Recorder] = []

    def attach(writers: int, consumer: int) -> None:  # when the warm-up is over
        recorders.append(Recorder("writers+relay", writers, args.rate_hz, args.speedscope))
        recorders.append(Recorder("consumer", consumer, args.rate_hz, args.speedscope))

    async with fresh_database() as dsn:
        offered = f"{args.rate:,.0f}/s" if args.rate else "flat out"
        print(f"pipeline: {args.warmup:,} + {args.events:,} events, {offered}; py-spy attached")
        result = await run_pipeline(
            dsn, args.events, args.warmup, args.writers, args.rate, on_measure=attach
        )
        await empty_tables(dsn)
    profiles = [r.stop() for r in recorders]
    lat = result.latency
    print(
        f"\n{result.throughput:,.0f} events/s, latency p50 {lat.p50:.1f} ms, "
        f"p99 {lat.p99:.1f} ms (py-spy's own sampling costs a little of both)\n"
    )
    print("ms of CPU per event, from /proc (postgres: every PostgreSQL process):")
    for name, cores in result.cpu.items():
        if name != "busy":
            print(f"  {name:14} {cores / result.throughput * 1000:6.3f}")
    print(f"  machine busy   {result.cpu['busy']:.2f} of {os.cpu_count()} cores\n")
    print(f"relay batches:    {result.relay.describe()}")
    print(f"consumer batches: {result.consumer.describe()}\n")
    for profile in profiles:
        cores = result.cpu.get(profile.name)
        per_event = cores / result.throughput * 1000 if cores else None
        print("\n".join(part_lines(profile, per_event)))
    for profile in profiles:
        print("\n".join(top_tables(profile, args.top)))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=25, help="rows per table")
    parser.add_argument("--rate-hz", type=int, default=200, help="py-spy samples per second")
    parser.add_argument("--speedscope", type=Path, help="also keep speedscope JSON here")
    sub = parser.add_subparsers(dest="mode", required=True)
    pipe = sub.add_parser("pipeline", help="the outbox -> Kafka -> consumer pipeline")
    pipe.add_argument("--events", type=int, default=30_000, help="measured events")
    pipe.add_argument("--warmup", type=int, default=1_000, help="events before measuring")
    pipe.add_argument("--writers", type=int, default=16, help="concurrent writer tasks")
    pipe.add_argument("--rate", type=float, help="offered events/s (default: flat out)")
    pid = sub.add_parser("pid", help="any running Python process, while you drive load")
    pid.add_argument("pid", type=int)
    pid.add_argument("--seconds", type=float, default=20.0)
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench's own modules
    if args.mode == "pid":
        asyncio.run(profile_pid(args))
    else:
        from common import run_loop  # noqa: PLC0415 - bench's own modules are on the path now

        run_loop(profile_pipeline(args))


if __name__ == "__main__":
    main(sys.argv[1:])
