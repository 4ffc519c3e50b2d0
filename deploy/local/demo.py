"""Load the demo data through the services' public HTTP APIs (idempotent).

Each service's part lives in `deploy/demo/<service>.py` (a `load(demo)` function returning a
one-line summary) with its data in `deploy/demo/<service>.json`. A later loader may use what an
earlier one created (`demo.created`).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from voimala_kit.auth import Role, generate_keys, issue_token

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "deploy" / "demo"
ORDER = ["participants", "events", "matching", "notifications"]
PORTS = {"participants": 8001, "events": 8002, "matching": 8003, "notifications": 8004}


@dataclass
class Demo:
    """What a loader gets: URLs, tokens, its data, and what earlier loaders created."""

    private_key: bytes
    created: dict[str, Any] = field(default_factory=dict)

    def url(self, service: str) -> str:
        port = os.environ.get(f"{service.upper()}_PORT", str(PORTS[service]))
        return f"http://127.0.0.1:{port}"

    def client(
        self, role: Role = "coordinator", subject: str | None = None, org: str | None = None
    ) -> httpx.Client:
        token = issue_token(self.private_key, role=role, subject=subject or f"demo-{role}", org=org)
        return httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=15)

    def data(self, service: str) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((DEMO / f"{service}.json").read_text("utf-8"))
        return loaded


def _loader(service: str) -> Callable[[Demo], str] | None:
    path = DEMO / f"{service}.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(f"demo_{service}", path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    load: Callable[[Demo], str] = module.load
    return load


def main() -> int:
    private, _ = generate_keys(ROOT / ".local" / "keys")
    demo = Demo(private.read_bytes())
    for service in ORDER:
        load = _loader(service)
        if load is None:
            continue
        try:
            print(f"demo: {service}: {load(demo)}")
        except (httpx.HTTPError, AssertionError) as exc:
            print(f"demo: {service}: failed ({type(exc).__name__}: {exc})", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
