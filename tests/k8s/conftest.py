"""The rendered Kubernetes manifests (deploy/k8s), and the schemas to check them against.

`make k8s-deps` (tests/k8s/tools/setup.sh) puts what these tests need in .local/k8s: the
Python libraries that read YAML and JSON Schema, Kubernetes' own schemas (the wheel of
kubernetes-validate) and the operators' CRDs (Strimzi's generated from its Maven model,
CloudNativePG's, KEDA's and the Prometheus Operator's from their Go modules).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
TOOLS = ROOT / ".local" / "k8s"
OVERLAYS = ("dev", "production")

Doc = dict[str, Any]


def tools() -> Path:
    """.local/k8s, with its Python libraries importable; a test fails where it is missing."""
    if not (TOOLS / ".stamp").exists():
        pytest.fail("tests/k8s needs `make k8s-deps` (schemas and tools in .local/k8s)")
    # Appended, not prepended: the workspace's own packages win where both have one.
    if str(TOOLS / "pylib") not in sys.path:
        sys.path.append(str(TOOLS / "pylib"))
    return TOOLS


def load_all(text: str) -> list[Doc]:
    tools()
    import yaml  # noqa: PLC0415 - from .local/k8s/pylib, importable only after tools()

    return [d for d in yaml.safe_load_all(text) if d]


def render(path: Path) -> list[Doc]:
    """`kubectl kustomize` (or Kustomize itself where no kubectl is installed) of a folder."""
    tools()
    if shutil.which("kubectl"):
        command = ["kubectl", "kustomize", str(path)]
    else:
        command = [str(TOOLS / "bin" / "kustomize"), "build", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, f"{path} does not render: {done.stderr}"
    return load_all(done.stdout)


@dataclass(frozen=True)
class Rendered:
    overlay: str
    docs: list[Doc]

    def kind(self, kind: str) -> list[Doc]:
        return [d for d in self.docs if d["kind"] == kind]

    def configmap(self, name: str) -> dict[str, str]:
        """A generated ConfigMap's data, by its name before Kustomize's hash suffix."""
        named = re.compile(rf"^{re.escape(name)}(-[a-z0-9]{{10}})?$")
        found = [d for d in self.kind("ConfigMap") if named.match(d["metadata"]["name"])]
        assert len(found) == 1, f"{self.overlay}: {len(found)} ConfigMaps named {name}"
        return dict(found[0].get("data", {}))

    def one(self, kind: str, name: str) -> Doc:
        found = [d for d in self.kind(kind) if d["metadata"]["name"] == name]
        assert len(found) == 1, f"{self.overlay}: {len(found)} {kind} named {name}"
        return found[0]


@pytest.fixture(scope="session", params=OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> Rendered:
    return _rendered(request.param)


_CACHE: dict[str, Rendered] = {}


def _rendered(overlay: str) -> Rendered:
    if overlay not in _CACHE:
        _CACHE[overlay] = Rendered(overlay, render(K8S / "overlays" / overlay))
    return _CACHE[overlay]


@pytest.fixture(scope="session")
def production() -> Rendered:
    return _rendered("production")
