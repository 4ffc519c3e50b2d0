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
    # The browser tests load the same data into their own stack, signed with their own key.
    given = os.environ.get("VOIMALA_DEMO_PRIVATE_KEY_FILE")
    private = Path(given) if given else generate_keys(ROOT / ".local" / "keys")[0]
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
    _write_people(demo)
    return 0


#: The programme's demo staff (fictional): who the portal's development sign-in offers.
STAFF = [
    ("coordinator", "6f1d2c1e-0000-4000-8000-000000000001", "Sanna Koordinaattori"),
    ("counsellor", "6f1d2c1e-0000-4000-8000-000000000002", "Johan Handledare"),
    ("ops", "6f1d2c1e-0000-4000-8000-000000000003", "Pekka Ylläpito"),
]


def _write_people(demo: Demo) -> None:
    """The demo people of every role, for the portal's development sign-in (make run only)."""
    people: list[dict[str, Any]] = [
        {"role": role, "subject": subject, "name": name} for role, subject, name in STAFF
    ]
    names = {
        p["email"]: f"{p['given_name']} {p['family_name']}"
        for p in demo.data("participants")["participants"]
    }
    people.extend(
        {"role": "participant", "subject": participant_id, "name": names.get(email, email)}
        for email, participant_id in demo.created.get("participants", {}).items()
    )
    people.extend(
        {
            "role": "employer",
            "subject": contact["user_id"],
            "org": partner["id"],
            "name": f"{contact['name']} ({partner['name']})",
        }
        for partner in demo.created.get("partners", {}).values()
        for contact in partner.get("contacts", [])
    )
    people.extend(
        {"role": "mentor", "subject": m["user_id"], "name": m["name"]}
        for m in demo.data("matching")["mentors"]
    )
    target = Path(os.environ.get("VOIMALA_DEMO_PEOPLE_FILE", ROOT / ".local" / "demo-people.json"))
    target.write_text(json.dumps(people, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    sys.exit(main())
