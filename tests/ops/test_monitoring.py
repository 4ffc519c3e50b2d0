"""The alert rules: valid, unit-tested firing and not firing, each with its runbook, and loaded
by a real Prometheus that scrapes the services as `make run` starts them."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.conftest import Platform

from .conftest import ROOT, promtool, query

MONITORING = ROOT / "deploy/monitoring"
RULES = sorted((MONITORING / "rules").glob("*.yml"))
RULE_TESTS = sorted((MONITORING / "tests").glob("*.yml"))


def _alerts() -> dict[str, str]:
    """Each alert's name and its rule's text (up to the next rule)."""
    text = "\n".join(p.read_text() for p in RULES)
    parts = re.split(r"^\s+- alert: ", text, flags=re.MULTILINE)[1:]
    return {part.split("\n", 1)[0].strip(): part for part in parts}


def test_the_rules_are_valid() -> None:
    assert RULES
    result = subprocess.run(
        [promtool(), "check", "rules", *map(str, RULES)],
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_rules_unit_tests_pass() -> None:
    assert RULE_TESTS
    result = subprocess.run(
        [promtool(), "test", "rules", *map(str, RULE_TESTS)],
        check=False,
        capture_output=True,
        text=True,
        cwd=MONITORING / "tests",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_its_runbook_and_is_tested_firing_and_not_firing() -> None:
    alerts = _alerts()
    assert len(alerts) >= 9
    tests = "\n".join(p.read_text() for p in RULE_TESTS)
    for name, rule in alerts.items():
        url = re.search(r"runbook_url:\s*(\S+)", rule)
        assert url is not None, f"{name} has no runbook_url"
        assert url.group(1) == f"docs/runbooks/{name}.md"
        runbook = ROOT / url.group(1)
        assert runbook.is_file(), f"{runbook} is missing"
        assert "## What to look at" in runbook.read_text()
        assert "## What to do" in runbook.read_text()
        cases = re.findall(rf"alertname: {name}\n\s+exp_alerts:(.*)", tests)
        assert any(c.strip() == "[]" for c in cases), f"{name}: no test where it stays quiet"
        assert any(c.strip() == "" for c in cases), f"{name}: no test where it fires"


def test_the_local_configuration_is_valid(tmp_path: Path) -> None:
    config = subprocess.run(
        [str(ROOT / "deploy/local/prometheus.sh"), "config"],
        capture_output=True,
        check=True,
    ).stdout
    (tmp_path / "prometheus.yml").write_bytes(config)
    result = subprocess.run(
        [promtool(), "check", "config", str(tmp_path / "prometheus.yml")],
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for service, port in (("participants", 8001), ("notifications", 8004), ("portal", 8000)):
        assert f'targets: ["127.0.0.1:{port}"]\n        labels: {{ service: {service} }}' in (
            config.decode()
        )


@pytest.mark.e2e
async def test_prometheus_scrapes_every_service_and_loads_every_rule(
    platform: Platform, start_prometheus: Callable[[dict[str, int]], str]
) -> None:
    url = start_prometheus({name: s.port for name, s in platform.services.items()})
    wanted = set(platform.services)

    async def everything_seen() -> bool:
        up = {r["metric"]["service"] for r in await query(url, "up == 1")}
        lag = {r["metric"]["service"] for r in await query(url, "voimala_consumer_lag_records")}
        backlog = {r["metric"]["service"] for r in await query(url, "voimala_outbox_backlog")}
        pool = {
            r["metric"]["service"]
            for r in await query(url, 'voimala_db_pool_connections{state="max"}')
        }
        return (
            wanted <= up
            and {"notifications", "matching"} <= lag
            and wanted <= backlog
            and wanted <= pool
        )

    for _ in range(120):
        if await everything_seen():
            break
        await asyncio.sleep(0.5)
    assert await everything_seen(), await query(url, "up")
    # Nothing dead-lettered yet, and the series says so (0, not absent).
    dead = await query(url, 'voimala_events_consumed_total{outcome="dead_lettered"}')
    assert {r["metric"]["service"] for r in dead} >= {"notifications", "matching"}

    # The overview's panels show the running services.
    overview = json.loads((MONITORING / "grafana/dashboards/overview.json").read_text())
    shown = {
        p["title"]: p["targets"][0]["expr"]
        for p in overview["panels"]
        if p["title"]
        in {"Services up", "Consumer lag: records", "Outbox: rows waiting", "Database pool in use"}
    }
    assert len(shown) == 4
    for title, expr in shown.items():
        assert {r["metric"]["service"] for r in await query(url, expr)} >= {"matching"}, title

    async with httpx.AsyncClient(timeout=10) as http:
        rules = (await http.get(f"{url}/api/v1/rules")).json()["data"]["groups"]
    loaded = {r["name"]: r for g in rules for r in g["rules"] if r["type"] == "alerting"}
    assert set(loaded) == set(_alerts())
    for name, rule in loaded.items():
        assert rule["health"] != "err", (name, rule.get("lastError"))
        assert rule["annotations"]["runbook_url"] == f"docs/runbooks/{name}.md"

    # The portal is not started here: Prometheus finds nothing on its port, and its alert is
    # on its way (pending for the rule's minute, then firing); the running services have none.
    async def down_alerts() -> dict[str, str]:
        async with httpx.AsyncClient(timeout=10) as http:
            alerts = (await http.get(f"{url}/api/v1/alerts")).json()["data"]["alerts"]
        return {
            a["labels"]["service"]: a["state"]
            for a in alerts
            if a["labels"]["alertname"] == "VoimalaServiceDown"
        }

    for _ in range(120):
        if "portal" in await down_alerts():
            break
        await asyncio.sleep(0.5)
    down = await down_alerts()
    assert down.get("portal") in ("pending", "firing"), down
    assert not set(down) & wanted, down
