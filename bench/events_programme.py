"""Benchmark: the programme page and feed for a year of 20 series.

Starts the events service as a real process on the local infrastructure with a fresh database,
schedules 20 series (weekly and monthly, a year ahead), then measures
- building `GET /programme/{yyyy-mm}` as JSON and as the HTML poster, month by month;
- building `GET /programme.ics` for the whole year;
and writes the numbers as the section `events_programme` of docs/benchmarks/events.md.

    .venv/bin/python bench/events_programme.py [--repeat 20]

Registration (everyone at once, with wrk and its bound) is bench/events_registration.py.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
from common import (
    Latency,
    create_database,
    drop_database,
    server_version,
    start_events,
    wait_ready,
    write_section,
)
from voimala_kit.auth import generate_keys, issue_token
from voimala_kit.testing import free_port

ROOT = Path(__file__).resolve().parent.parent
SECTION = "events_programme"
RULES = [
    "FREQ=WEEKLY;BYDAY=MO",
    "FREQ=WEEKLY;BYDAY=TU",
    "FREQ=WEEKLY;BYDAY=WE",
    "FREQ=WEEKLY;BYDAY=TH",
    "FREQ=WEEKLY;BYDAY=FR",
    "FREQ=MONTHLY;BYDAY=2TU,4TU",
    "FREQ=MONTHLY;BYDAY=1MO",
    "FREQ=MONTHLY;BYDAY=3TH",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE",
    "FREQ=WEEKLY;BYDAY=MO,WE,FR",
]


def _series(i: int, first: str, capacity: int | None) -> dict[str, Any]:
    return {
        "category": ["workshop", "language_cafe", "office_hours", "info_session"][i % 4],
        "title": {"fi": f"Sarja {i}", "sv": f"Serie {i}", "en": f"Series {i}"},
        "description": {"fi": "Kuvaus " * 10},
        "rrule": RULES[i % len(RULES)],
        "first_date": first,
        "start_time": f"{9 + i % 8:02d}:00",
        "end_time": f"{10 + i % 8:02d}:30",
        "capacity": capacity,
        "registration_opens_days_before": 365,
    }


async def _timed(
    client: httpx.AsyncClient, url: str, repeat: int, **kw: Any
) -> tuple[Latency, int]:
    seconds, size = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        r = await client.get(url, **kw)
        seconds.append(time.perf_counter() - started)
        r.raise_for_status()
        size = len(r.content)
    return Latency.of(seconds), size


def _lat(latency: Latency) -> str:
    return f"{latency.p50:.1f} / {latency.p95:.1f} / {latency.p99:.1f} / {latency.max:.1f}"


async def main(args: argparse.Namespace) -> None:
    name, dsn = await create_database("events")
    pg = await server_version()
    private, public = generate_keys(ROOT / ".local" / "keys")
    (ROOT / ".local" / "logs").mkdir(parents=True, exist_ok=True)
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])  # noqa: ASYNC240 - /proc
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_events(dsn, public, port)
    lines: list[str] = []
    try:
        await wait_ready(url)
        token = issue_token(private.read_bytes(), role="coordinator", subject="bench")
        headers = {"Authorization": f"Bearer {token}"}
        today = datetime.now(ZoneInfo("Europe/Helsinki")).date()
        limits = httpx.Limits(max_connections=10)
        async with httpx.AsyncClient(timeout=60, headers=headers, limits=limits) as client:
            started = time.perf_counter()
            for i in range(20):
                capacity = None if i % 4 == 2 else 10_000
                r = await client.post(f"{url}/series", json=_series(i, today.isoformat(), capacity))
                r.raise_for_status()
            scheduling = time.perf_counter() - started
            conn = await asyncpg.connect(dsn)
            try:
                occurrences = await conn.fetchval("SELECT count(*) FROM occurrence")
            finally:
                await conn.close()
            months = []
            for k in range(12):
                first = (today.replace(day=1) + timedelta(days=32 * k)).replace(day=1)
                months.append(first.strftime("%Y-%m"))
            json_all: list[float] = []
            html_all: list[float] = []
            json_size = html_size = 0
            for month in months:
                lj, json_size = await _timed(client, f"{url}/programme/{month}", args.repeat)
                lh, html_size = await _timed(
                    client, f"{url}/programme/{month}", args.repeat, params={"format": "html"}
                )
                json_all.append(lj.p50)
                html_all.append(lh.p50)
            first_ics, _ = await _timed(client, f"{url}/programme.ics", 1, params={"days": 365})
            ics_first = first_ics.max
            # Every later call is served from the cache (nothing changed in between).
            ics_cached, ics_size = await _timed(
                client, f"{url}/programme.ics", args.repeat, params={"days": 365}
            )
            month_lat, _ = await _timed(
                client, f"{url}/programme/{months[1]}", args.repeat * 5, params={"format": "html"}
            )

        lines = [
            f"<!-- {SECTION}:start -->",
            "## Programme page and feed (`bench/events_programme.py`)",
            "",
            f"Run {datetime.now().astimezone().isoformat(timespec='minutes')}, PostgreSQL {pg}, "
            f"load average before the run {load} (2 shared cores; other engineers' tests were "
            "running: compare runs, not machines). One service process, one load generator "
            "process (httpx), both on the same machine.",
            "",
            f"- 20 series scheduled a year ahead: {occurrences:,} occurrences generated in "
            f"{scheduling:.2f} s for all 20 (`POST /series`, horizon 365 days).",
            f"- `GET /programme/{{yyyy-mm}}` JSON, per month (median of {args.repeat}): "
            f"{min(json_all):.1f}-{max(json_all):.1f} ms; {json_size / 1024:.0f} KiB.",
            f"- The same as the HTML poster: {min(html_all):.1f}-{max(html_all):.1f} ms; "
            f"{html_size / 1024:.0f} KiB. One month repeated {args.repeat * 5} times, ms "
            f"p50 / p95 / p99 / max: {_lat(month_lat)}.",
            f"- `GET /programme.ics` for 365 days ({ics_size / 1024:.0f} KiB): built in "
            f"{ics_first:.0f} ms on the first call; served from the service's cache until the "
            f"programme changes, ms p50 / p95 / p99 / max: {_lat(ics_cached)}.",
            "",
            f"<!-- {SECTION}:end -->",
        ]
    finally:
        process.terminate()
        process.wait(timeout=30)
        await drop_database(name)
    section = "\n".join(lines) + "\n"
    print(section)
    write_section("events", SECTION, section)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    asyncio.run(main(parser.parse_args()))
