"""Operations fixtures: a Prometheus of the test's own, configured as `make run` configures it."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from voimala_kit.testing import free_port

from tests.conftest import Platform

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
        for name in ("portal", "participants", "events", "matching", "notifications", "ops"):
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


async def _run(env: dict[str, str], args: tuple[str, ...]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "voimala_ops",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def ops(env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run `voimala-ops ARGS` as the operations team would: its exit code, and all it printed
    (stdout, then stderr)."""
    code, out, err = await _run(env, args)
    return code, out + err


async def ops_json(env: dict[str, str], *args: str) -> Any:
    """`voimala-ops ARGS --json`: its stdout, one JSON document whatever it logs."""
    code, out, err = await _run(env, (*args, "--json"))
    assert code in (0, 1, 3), out + err
    return json.loads(out)


@pytest.fixture(scope="session")
def ops_env(platform: Platform, kafka_bootstrap: str) -> dict[str, str]:
    """The command's environment: this session's services and broker."""
    env = {**os.environ, "VOIMALA_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap}
    for name, service in platform.services.items():
        env[f"VOIMALA_OPS_{name.upper()}_URL"] = service.url
    env["VOIMALA_OPS_PORTAL_URL"] = f"http://127.0.0.1:{free_port()}"  # not started here
    env["VOIMALA_OPS_ACTOR"] = "ops-test"
    return env
