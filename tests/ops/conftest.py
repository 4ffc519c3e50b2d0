"""Operations fixtures: a Prometheus of the test's own, configured as `make run` configures it."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from voimala_kit.testing import free_port

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_SH = ROOT / "deploy/local/prometheus.sh"


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool is not installed: make monitoring-deps (Debian's prometheus)")
    return found


@pytest.fixture(scope="session")
def start_prometheus(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[dict[str, int]], str]]:
    """`start_prometheus({"participants": port, ...})`: its URL, scraping every second.

    The configuration is the one `deploy/local/prometheus.sh` writes for `make run`, with the
    given ports (a service not named gets a port where nothing listens).
    """
    started: list[subprocess.Popen[bytes]] = []

    def start(ports: dict[str, int]) -> str:
        if shutil.which("prometheus") is None:
            pytest.fail("prometheus is not installed: make monitoring-deps")
        home = tmp_path_factory.mktemp("prometheus")
        env = {**os.environ, "VOIMALA_PROMETHEUS_SCRAPE_INTERVAL": "1s"}
        for name in ("portal", "participants", "events", "matching", "notifications"):
            env[f"{name.upper()}_PORT"] = str(ports.get(name) or free_port())
        config = subprocess.run(
            [str(PROMETHEUS_SH), "config"], env=env, check=True, capture_output=True
        ).stdout
        (home / "prometheus.yml").write_bytes(config)
        port = free_port()
        log = (home / "prometheus.log").open("ab")
        process = subprocess.Popen(
            [
                "prometheus",
                f"--config.file={home / 'prometheus.yml'}",
                f"--storage.tsdb.path={home / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=log,
        )
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"prometheus exited: {(home / 'prometheus.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    return url
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        pytest.fail("prometheus not ready")

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=30)


async def query(url: str, promql: str) -> list[dict[str, Any]]:
    """An instant query's result; fails the test on a query error."""
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(f"{url}/api/v1/query", params={"query": promql})
    body = response.json()
    assert body.get("status") == "success", (promql, body)
    result: list[dict[str, Any]] = body["data"]["result"]
    return result
