# ruff: noqa: E501 - a panel and its query read best on one line each
"""Writes the Grafana dashboards in dashboards/: an overview and one per service.

Run `python deploy/monitoring/grafana/build.py` after changing a panel, and commit the JSON;
tests/ops/test_dashboards.py checks the JSON is what this writes and runs every panel's query
against a real Prometheus.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATASOURCE = {"type": "prometheus", "uid": "prometheus"}
SERVICES = ("participants", "events", "matching", "notifications", "portal")
API = 'route!~"/health.*|/metrics"'


def panel(title: str, exprs: list[tuple[str, str]], unit: str = "short", kind: str = "timeseries",
          width: int = 12, description: str = "") -> dict[str, Any]:  # fmt: skip
    return {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "targets": [
            {
                "refId": chr(ord("A") + i),
                "expr": expr,
                "legendFormat": legend,
                "datasource": DATASOURCE,
            }
            for i, (expr, legend) in enumerate(exprs)
        ],
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"showLegend": True, "displayMode": "list", "placement": "bottom"}},
        "gridPos": {"w": width, "h": 8},
    }


def dashboard(
    uid: str, title: str, panels: list[dict[str, Any]], links: bool = True
) -> dict[str, Any]:
    x = y = 0
    for n, p in enumerate(panels, start=1):
        w = p["gridPos"]["w"]
        if x + w > 24:
            x, y = 0, y + 8
        p["id"] = n
        p["gridPos"] = {"x": x, "y": y, "w": w, "h": 8}
        x += w
    return {
        "uid": uid,
        "title": title,
        "tags": ["voimala"],
        "timezone": "utc",
        "editable": True,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": []},
        "annotations": {"list": []},
        "links": [
            {"type": "dashboards", "tags": ["voimala"], "title": "Voimala", "asDropdown": True}
        ]
        if links
        else [],
        "panels": panels,
    }


def overview() -> dict[str, Any]:
    return dashboard(
        "voimala-overview",
        "Voimala: overview",
        [
            panel("Services up", [('up{job="voimala"}', "{{service}}")], kind="stat", width=8,
                  description="1: Prometheus reads the service's /metrics (VoimalaServiceDown)"),
            panel("Alerts firing", [('count by (alertname) (ALERTS{alertstate="firing"})', "{{alertname}}")],
                  kind="stat", width=8),
            panel("Dead letters (10 min)",
                  [('sum by (service) (increase(voimala_events_consumed_total{outcome="dead_lettered"}[10m]))',
                    "{{service}}")], kind="stat", width=8),
            panel("Consumer lag: oldest unprocessed record",
                  [("max by (service) (voimala_consumer_lag_seconds)", "{{service}}")], unit="s",
                  description="objective: under a minute (VoimalaConsumerLagHigh)"),
            panel("Consumer lag: records",
                  [("sum by (service) (voimala_consumer_lag_records)", "{{service}}")]),
            panel("Outbox: oldest unpublished row",
                  [("max by (service) (voimala_outbox_oldest_age_seconds)", "{{service}}")], unit="s"),
            panel("Outbox: rows waiting", [("sum by (service) (voimala_outbox_backlog)", "{{service}}")]),
            panel("HTTP requests", [(f"sum by (service) (rate(voimala_http_requests_total{{{API}}}[5m]))",
                                      "{{service}}")], unit="reqps"),
            panel("HTTP 5xx share",
                  [(f'sum by (service) (rate(voimala_http_requests_total{{status=~"5..",{API}}}[5m])) '
                    f"/ sum by (service) (rate(voimala_http_requests_total{{{API}}}[5m]))", "{{service}}")],
                  unit="percentunit"),
            panel("Database pool in use",
                  [('max by (service) (voimala_db_pool_connections{state="in_use"}) '
                    '/ max by (service) (voimala_db_pool_connections{state="max"})', "{{service}}")],
                  unit="percentunit"),
            panel("E-mail and SMS",
                  [('sum by (channel, outcome) (rate(voimala_notifications_messages_total{channel=~"email|sms"}[5m]))',
                    "{{channel}} {{outcome}}")], unit="ops"),
        ],
    )  # fmt: skip


def service(name: str) -> dict[str, Any]:
    s = f'service="{name}"'
    panels = [
        panel("Up", [(f'up{{job="voimala",{s}}}', "{{instance}}")], kind="stat", width=6),
        panel("Uptime", [(f"time() - process_start_time_seconds{{{s}}}", "{{instance}}")],
              unit="s", kind="stat", width=6),
        panel("Memory", [(f"process_resident_memory_bytes{{{s}}}", "{{instance}}")], unit="bytes",
              kind="stat", width=6),
        panel("CPU", [(f"rate(process_cpu_seconds_total{{{s}}}[5m])", "{{instance}}")],
              unit="percentunit", kind="stat", width=6),
        panel("HTTP requests by route",
              [(f"sum by (route, status) (rate(voimala_http_requests_total{{{s},{API}}}[5m]))",
                "{{route}} {{status}}")], unit="reqps"),
        panel("HTTP latency p95 by route",
              [(f"histogram_quantile(0.95, sum by (route, le) "
                f"(rate(voimala_http_request_seconds_bucket{{{s},{API}}}[5m])))", "{{route}}")], unit="s"),
        panel("Consumer lag: oldest unprocessed record",
              [(f"voimala_consumer_lag_seconds{{{s}}}", "{{topic}}/{{partition}}")], unit="s"),
        panel("Consumer lag: records",
              [(f"voimala_consumer_lag_records{{{s}}}", "{{topic}}/{{partition}}")]),
        panel("Events consumed by outcome",
              [(f"sum by (topic, outcome) (rate(voimala_events_consumed_total{{{s}}}[5m]))",
                "{{topic}} {{outcome}}")], unit="ops"),
        panel("Retries",
              [(f"sum by (topic) (rate(voimala_consumer_retries_total{{{s}}}[5m]))", "consumer {{topic}}"),
               (f"sum by (component, error) (rate(voimala_retries_total{{{s}}}[5m]))",
                "{{component}} {{error}}")], unit="ops"),
        panel("Batch apply time p95",
              [(f"histogram_quantile(0.95, sum by (le) (rate(voimala_event_apply_seconds_bucket{{{s}}}[5m])))",
                "p95")], unit="s"),
        panel("Events published",
              [(f"sum by (topic) (rate(voimala_events_published_total{{{s}}}[5m]))", "{{topic}}")],
              unit="ops"),
        panel("Outbox", [(f"voimala_outbox_backlog{{{s}}}", "rows waiting"),
                         (f"voimala_outbox_oldest_age_seconds{{{s}}}", "oldest (s)")]),
        panel("Database pool",
              [(f"voimala_db_pool_connections{{{s}}}", "{{state}}"),
               (f"voimala_db_pool_waiting{{{s}}}", "waiting"),
               (f"increase(voimala_db_pool_acquire_timeouts_total{{{s}}}[5m])", "gave up (5 min)")]),
    ]  # fmt: skip
    if name == "notifications":
        panels += [
            panel("Messages by channel and outcome",
                  [("sum by (channel, outcome) (rate(voimala_notifications_messages_total[5m]))",
                    "{{channel}} {{outcome}}")], unit="ops"),
            panel("From event to hand-off p95",
                  [("histogram_quantile(0.95, sum by (channel, le) "
                    "(rate(voimala_notifications_handoff_seconds_bucket[5m])))", "{{channel}}")], unit="s"),
        ]  # fmt: skip
    return dashboard(f"voimala-{name}", f"Voimala: {name}", panels)


def dashboards() -> dict[str, dict[str, Any]]:
    found = {"overview.json": overview()}
    found.update({f"{name}.json": service(name) for name in SERVICES})
    return found


def render(board: dict[str, Any]) -> str:
    return json.dumps(board, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    for file, board in dashboards().items():
        (HERE / "dashboards" / file).write_text(render(board), encoding="utf-8")
