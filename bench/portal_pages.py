"""Benchmark: every page of the portal, as each kind of person sees it, with the demo data.

Uses the platform that `make run` starts (starts it, with the demo data, if the portal does not
answer on PORTAL_PORT, and stops it again afterwards). Signs in through the development
sign-in as one demo person of each role, finds the pages by following the links of each
role's front pages (GET only, same host; at most three pages of one URL shape, such as
`/staff/participants/{id}`), then requests each page sequentially and measures the time to the
whole HTML. The floor in the same run: `/health/live` (the framework alone) and
`/accessibility` (a page that calls no service).

Writes the section `portal_pages` of docs/benchmarks/portal.md.

    .venv/bin/python bench/portal_pages.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections import deque
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
from common import Latency, write_section
from voimala_kit.auth import generate_keys

ROOT = Path(__file__).resolve().parent.parent
PORTAL = f"http://127.0.0.1:{os.environ.get('PORTAL_PORT', '8000')}"
TARGET_P95_MS = 150.0
#: Whom to be, and where each starts (the public pages are crawled without signing in).
ROLES = {
    "public": ["/", "/accessibility"],
    "participant": ["/me"],
    "employer": ["/employer"],
    "mentor": ["/mentor"],
    "counsellor": ["/staff"],
    "coordinator": ["/staff"],
    "ops": ["/ops"],
}
SKIP = re.compile(r"^/(static/|sign-out|sign-in|actions/)|\.(csv|ics|svg|png|pdf)$|/download")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
PER_SHAPE = 3
MAX_PAGES = 40


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href and not dict(attrs).get("download"):
                self.hrefs.append(href)


def _shape(path: str) -> str:
    return re.sub(r"/\d{4}-\d{2}\b", "/{month}", UUID.sub("{id}", path))


def _people() -> list[dict[str, str]]:
    default = ROOT / ".local" / "demo-people.json"
    path = Path(os.environ.get("PORTAL_DEV_PEOPLE_FILE", default))
    people: list[dict[str, str]] = json.loads(path.read_text("utf-8"))
    return people


async def _sign_in(client: httpx.AsyncClient, role: str, people: list[dict[str, str]]) -> None:
    page = await client.get("/sign-in/dev")
    page.raise_for_status()
    person = next(p for p in people if p["role"] == role)
    answer = await client.post(
        "/sign-in/dev",
        data={
            "csrf_token": client.cookies.get("voimala_csrf", ""),
            "person": f"{role}:{person['subject']}",
        },
    )
    if answer.status_code != 303:
        raise RuntimeError(f"development sign-in as {role} failed: {answer.status_code}")


async def _crawl(client: httpx.AsyncClient, starts: list[str]) -> list[str]:
    seen: set[str] = set()
    shapes: dict[str, int] = {}
    queue = deque(starts)
    pages: list[str] = []
    while queue and len(pages) < MAX_PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        shape = _shape(urlsplit(path).path)
        if shapes.get(shape, 0) >= PER_SHAPE:
            continue
        response = await client.get(path)
        if response.status_code != 200 or "text/html" not in response.headers.get(
            "content-type", ""
        ):
            continue
        shapes[shape] = shapes.get(shape, 0) + 1
        pages.append(path)
        parser = _Links()
        parser.feed(response.text)
        for href in parser.hrefs:
            url = urlsplit(urljoin(PORTAL + path, href))
            if (
                url.netloc != urlsplit(PORTAL).netloc
                or SKIP.search(url.path)
                or "lang=" in url.query
            ):
                continue
            queue.append(url.path + (f"?{url.query}" if url.query else ""))
    return pages


async def _measure(client: httpx.AsyncClient, path: str, repeat: int) -> Latency:
    for _ in range(3):
        await client.get(path)
    took = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = await client.get(path)
        _ = response.text
        took.append(time.perf_counter() - started)
    return Latency.of(took)


def _platform_up() -> bool:
    try:
        return httpx.get(f"{PORTAL}/health/ready", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _start_platform() -> None:
    generate_keys(ROOT / ".local" / "keys")
    generate_keys(ROOT / ".local" / "keys" / "portal")
    subprocess.run([str(ROOT / "deploy/local/services.sh"), "start"], check=True)
    subprocess.run([sys.executable, str(ROOT / "deploy/local/demo.py")], check=True)


def _stop_platform() -> None:
    subprocess.run([str(ROOT / "deploy/local/services.sh"), "stop"], check=False)


async def main(args: argparse.Namespace) -> int:
    started_here = False
    if not _platform_up():
        await asyncio.to_thread(_start_platform)
        started_here = True
    people = _people()
    rows: list[tuple[str, str, Latency]] = []
    try:
        async with httpx.AsyncClient(base_url=PORTAL, timeout=30) as floor_client:
            live = await _measure(floor_client, "/health/live", args.repeat)
            static = await _measure(floor_client, "/accessibility", args.repeat)
        for role, starts in ROLES.items():
            async with httpx.AsyncClient(base_url=PORTAL, timeout=30) as client:
                if role != "public":
                    await _sign_in(client, role, people)
                pages = await _crawl(client, starts)
                rows.extend(
                    [(role, path, await _measure(client, path, args.repeat)) for path in pages]
                )
    finally:
        if started_here:
            await asyncio.to_thread(_stop_platform)
    worst = max((r[2].p95 for r in rows), default=0.0)
    over = [r for r in rows if r[2].p95 > TARGET_P95_MS]
    load = os.getloadavg()[0]
    lines = [
        "<!-- portal_pages:start -->",
        "## Portal pages (bench/portal_pages.py)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores (1-minute load "
        f"{load:.2f} at the end), against the platform `make run` starts with its demo data; "
        f"each page requested {args.repeat} times in a row after 3 warm-ups, time to the whole "
        "HTML. Target: every page's p95 at most 150 ms.",
        "",
        f"**{len(rows)} pages, worst p95 {worst:.1f} ms; "
        + (f"{len(over)} over the target.**" if over else "all within the target.**"),
        "",
        "Floor in the same run: `/health/live` (the framework and middleware alone) "
        f"p50 {live.p50:.1f} ms, p95 {live.p95:.1f} ms; `/accessibility` (a page that calls no "
        f"service) p50 {static.p50:.1f} ms, p95 {static.p95:.1f} ms.",
        "",
        "| as | page | p50 ms | p95 ms | max ms |",
        "|---|---|---:|---:|---:|",
        *(
            f"| {role} | `{_shape(path)}` | {lat.p50:.1f} | {lat.p95:.1f} | {lat.max:.1f} |"
            for role, path, lat in rows
        ),
        "<!-- portal_pages:end -->",
    ]
    doc = write_section("portal", "portal_pages", "\n".join(lines) + "\n")
    print(f"portal pages: {len(rows)} pages, worst p95 {worst:.1f} ms -> {doc}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    sys.exit(asyncio.run(main(parser.parse_args())))
