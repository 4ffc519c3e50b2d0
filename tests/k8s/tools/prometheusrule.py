"""Write deploy/k8s/base/monitoring/prometheusrule.yaml from the platform's alert rules
(deploy/monitoring/rules/*.rules.yml, checked and unit-tested by promtool there), so that
Kubernetes runs the very rules `make run` runs. tests/k8s holds the two equal; after a change
to the rules: `.venv/bin/python tests/k8s/tools/prometheusrule.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "deploy" / "monitoring" / "rules"
TARGET = ROOT / "deploy" / "k8s" / "base" / "monitoring" / "prometheusrule.yaml"
sys.path.append(str(ROOT / ".local" / "k8s" / "pylib"))  # PyYAML, from `make k8s-deps`

import yaml  # noqa: E402

HEADER = """\
# Made by tests/k8s/tools/prometheusrule.py from deploy/monitoring/rules/ (do not edit here:
# edit the rules there, where promtool tests them, and run the script again; tests/k8s
# fails while the two differ).
"""


def groups() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for path in sorted(RULES.glob("*.rules.yml")):
        found += yaml.safe_load(path.read_text())["groups"]
    return found


def prometheus_rule() -> dict[str, Any]:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "voimala"},
        "spec": {"groups": groups()},
    }


class _Dumper(yaml.SafeDumper):
    """PromQL over several lines stays readable: a block scalar, as in the rules file."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def main() -> None:
    text = yaml.dump(
        prometheus_rule(), Dumper=_Dumper, sort_keys=False, width=100, allow_unicode=True
    )
    TARGET.write_text(HEADER + text)
    sys.stdout.write(f"wrote {TARGET.relative_to(ROOT)}\n")


if __name__ == "__main__":
    main()
