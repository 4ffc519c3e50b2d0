"""Kubernetes runs the platform's own alert rules, and scrapes every process so that they
find the labels they read."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from .conftest import ROOT, Rendered, tools


def generator() -> object:
    tools()
    path = ROOT / "tests" / "k8s" / "tools" / "prometheusrule.py"
    spec = importlib.util.spec_from_file_location("prometheusrule", path)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_prometheus_rule_carries_the_rules_of_deploy_monitoring(production: Rendered) -> None:
    rules = Path(ROOT / "deploy" / "monitoring" / "rules")
    assert list(rules.glob("*.rules.yml")), "no rules in deploy/monitoring/rules"
    (rule,) = production.kind("PrometheusRule")
    made = generator().prometheus_rule()  # type: ignore[attr-defined]
    assert rule["spec"] == made["spec"], (
        "deploy/monitoring/rules changed: run .venv/bin/python tests/k8s/tools/prometheusrule.py"
    )
    assert made["spec"]["groups"], "no groups"


def test_every_process_is_scraped_with_the_labels_the_rules_read(production: Rendered) -> None:
    (monitor,) = production.kind("PodMonitor")
    selector = monitor["spec"]["selector"]["matchLabels"]
    for deployment in production.kind("Deployment"):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items(), deployment["metadata"]["name"]
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    assert endpoint["path"] == "/metrics"
    assert endpoint["port"] == "http"
    # job="voimala": the value of the pod label jobLabel names.
    assert selector[monitor["spec"]["jobLabel"]] == "voimala"
    text = (ROOT / "deploy" / "monitoring" / "rules").glob("*.rules.yml")
    read = {m for path in text for m in re.findall(r"\$labels\.(\w+)", path.read_text())}
    made = {r["targetLabel"] for r in endpoint["relabelings"]}
    # What Prometheus or Kafka's own metrics give; the rest must come from the relabelling.
    given = {"instance", "job", "topic", "partition", "channel"}
    assert read - given <= made, read - given - made
