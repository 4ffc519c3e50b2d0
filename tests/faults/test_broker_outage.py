"""Kafka away for a while: requests still succeed, nothing is lost, nothing arrives twice.

Run by `make faults` (it stops and starts the local broker, so it is kept out of `make test`).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from voimala_kit.testing import wait_for

from ..conftest import Platform

pytestmark = pytest.mark.faults
KAFKA_SH = Path(__file__).resolve().parents[2] / "deploy" / "local" / "kafka.sh"
OUTAGE_SECONDS = float(os.environ.get("VOIMALA_FAULT_OUTAGE_SECONDS", "30"))


def _kafka(verb: str) -> None:
    subprocess.run([str(KAFKA_SH), verb], check=True, capture_output=True)


async def test_registrations_during_a_broker_outage_are_welcomed_once_it_returns(
    platform: Platform, token: Callable[..., str]
) -> None:
    staff = {"Authorization": f"Bearer {token('coordinator')}"}
    participants, notifications = platform["participants"].url, platform["notifications"].url
    await asyncio.to_thread(_kafka, "stop")
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            ready = await client.get(f"{participants}/health/ready")
            assert ready.status_code == 503
            assert ready.json()["checks"]["kafka"].startswith("failing")
            pids = []
            for i in range(10):
                r = await client.post(
                    f"{participants}/participants",
                    json={
                        "given_name": f"Outage{i}",
                        "family_name": uuid.uuid4().hex[:8],
                        "preferred_language": "en",
                    },
                    headers=staff,
                )
                assert r.status_code == 201, r.text  # the outbox keeps the event
                pids.append(r.json()["id"])
            await asyncio.sleep(OUTAGE_SECONDS)
    finally:
        await asyncio.to_thread(_kafka, "start")

    async with httpx.AsyncClient(timeout=10) as client:
        for pid in pids:

            async def welcomed(pid: str = pid) -> Any:
                r = await client.get(f"{notifications}/recipients/{pid}/messages", headers=staff)
                return r.json()["items"] if r.status_code == 200 else None

            assert len(await wait_for(welcomed, timeout=90)) >= 1
        await asyncio.sleep(2)
        for pid in pids:
            r = await client.get(f"{notifications}/recipients/{pid}/messages", headers=staff)
            assert [m["template"] for m in r.json()["items"]] == ["welcome"]
        assert (await client.get(f"{participants}/health/ready")).status_code == 200
