"""Cross-service fixtures: the four services as real processes on real Kafka and PostgreSQL,
started as `make run` starts them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from voimala_kit.testing import free_port

SERVICES = {
    "participants": "voimala_participants",
    "events": "voimala_scheduling",
    "matching": "voimala_matching",
    "notifications": "voimala_notifications",
}


@dataclass
class ServiceProcess:
    name: str
    package: str
    env: dict[str, str]
    log: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", self.package], env=self.env, stdout=out, stderr=out
            )

    def wait_ready(self, timeout: float | None = None) -> None:
        # On a busy machine (several suites at once on 2 cores) a start can take minutes.
        timeout = timeout or float(os.environ.get("VOIMALA_TEST_READY_SECONDS", "60"))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                pytest.fail(f"{self.name} exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/health/ready", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        pytest.fail(f"{self.name} not ready: {self.log.read_text()[-2000:]}")

    def stop(self) -> int:
        """SIGTERM, as an orchestrator would; return the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)


@dataclass
class Platform:
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.services[name]

    def logs(self) -> str:
        return "".join(s.log.read_text(encoding="utf-8") for s in self.services.values())


@pytest.fixture(scope="session")
async def platform(
    new_database: Callable[[str], Awaitable[str]],
    jwt_keys: tuple[Path, Path],
    kafka_bootstrap: str,
    tmp_path_factory: pytest.TempPathFactory,
    keyring_dsn: str,
) -> AsyncIterator[Platform]:
    run = uuid.uuid4().hex[:8]
    logs = tmp_path_factory.mktemp("service-logs")
    started = Platform()
    for name, package in SERVICES.items():
        prefix = name.upper()
        port = free_port()
        env = {
            **os.environ,
            "VOIMALA_ENV": "test",
            "VOIMALA_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "VOIMALA_JWT_PUBLIC_KEY_FILE": str(jwt_keys[1]),
            f"{prefix}_PORT": str(port),
            f"{prefix}_DATABASE_URL": await new_database(name),
            # One keyring for all of them, as in a deployment (voimala_kit.testing).
            f"{prefix}_KEYRING_URL": keyring_dsn,
            # A group of its own, so that a `make run` stack on this machine shares no partitions.
            f"{prefix}_CONSUMER_GROUP": f"{name}-e2e-{run}",
            f"{prefix}_RELAY_IDLE_POLL": "0.2",
            # Outages in the fault tests last seconds: come back quickly after them.
            f"{prefix}_RETRY_BACKOFF_CAP": "2",
        }
        started.services[name] = ServiceProcess(name, package, env, logs / f"{name}.log", port)
    for service in started.services.values():
        service.start()
    try:
        for service in started.services.values():
            service.wait_ready()
    except BaseException:
        # One did not come up: the others must not live on, consuming after the session's
        # databases are dropped.
        for service in started.services.values():
            if service.process is not None and service.process.poll() is None:
                service.kill()
        raise
    yield started
    unclean = []
    for name, service in started.services.items():
        if service.process is not None and service.process.poll() is None:
            # uvicorn re-raises SIGTERM after its graceful shutdown: -15 is a clean exit here.
            code = service.stop()
            tail = service.log.read_text(encoding="utf-8")[-3000:]
            if code not in (0, -signal.SIGTERM) or '"service.stopped"' not in tail:
                unclean.append((name, code, tail[-300:]))
    assert not unclean, f"not a clean shutdown: {unclean}"
