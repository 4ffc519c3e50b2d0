"""The Grafana dashboards: what build.py writes, provisioned by compose, and every panel's
query answered by a real Prometheus without an error."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from collections.abc import Callable
from types import ModuleType
from typing import Any

from .conftest import ROOT, promtool, query

GRAFANA = ROOT / "deploy/monitoring/grafana"


def _build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("grafana_build", GRAFANA / "build.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _boards() -> dict[str, dict[str, Any]]:
    return {
        p.name: json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((GRAFANA / "dashboards").glob("*.json"))
    }


def _queries() -> list[tuple[str, str, str]]:
    return [
        (file, p["title"], t["expr"])
        for file, board in _boards().items()
        for p in board["panels"]
        for t in p["targets"]
    ]


def test_an_overview_and_one_dashboard_per_service_as_build_writes_them() -> None:
    build = _build()
    boards = _boards()
    assert set(boards) == {"overview.json"} | {f"{s}.json" for s in build.SERVICES}
    for file, board in build.dashboards().items():
        assert (GRAFANA / "dashboards" / file).read_text(encoding="utf-8") == build.render(board), (
            f"{file} is not what build.py writes: run python deploy/monitoring/grafana/build.py"
        )
    assert len({b["uid"] for b in boards.values()}) == len(boards)
    datasource = (GRAFANA / "provisioning/datasources/prometheus.yml").read_text()
    for board in boards.values():
        ids = [p["id"] for p in board["panels"]]
        assert len(set(ids)) == len(ids)
        for p in board["panels"]:
            assert f"uid: {p['datasource']['uid']}" in datasource
            assert p["gridPos"]["x"] + p["gridPos"]["w"] <= 24
            assert p["targets"]


def test_compose_provisions_prometheus_and_grafana_with_these_files(tmp_path: Any) -> None:
    compose = (ROOT / "docker-compose.yml").read_text()
    for mount in (
        "./deploy/monitoring/prometheus.compose.yml:/etc/prometheus/prometheus.yml:ro",
        "./deploy/monitoring/rules:/etc/prometheus/rules:ro",
        "./deploy/monitoring/grafana/provisioning:/etc/grafana/provisioning:ro",
        "./deploy/monitoring/grafana/dashboards:/etc/grafana/dashboards:ro",
    ):
        assert mount in compose
    assert (
        "path: /etc/grafana/dashboards"
        in (GRAFANA / "provisioning/dashboards/voimala.yml").read_text()
    )
    result = subprocess.run(
        [promtool(), "check", "config", str(ROOT / "deploy/monitoring/prometheus.compose.yml")],
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


async def test_every_panel_query_runs_in_prometheus(
    start_prometheus: Callable[[dict[str, int]], str],
) -> None:
    url = start_prometheus({})
    queries = _queries()
    assert len(queries) > 50
    for file, title, expr in queries:
        try:
            await query(url, expr)
        except AssertionError as exc:
            raise AssertionError(f"{file}, panel {title!r}: {exc}") from None
