"""Load the demo data through the services' public HTTP APIs (idempotent).

What a service cannot take yet (its API comes with a later feature) is listed, not faked.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from voimala_kit.auth import generate_keys, issue_token

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "deploy" / "demo" / "data.json"
PARTICIPANTS = f"http://127.0.0.1:{os.environ.get('PARTICIPANTS_PORT', '8001')}"
NOTIFICATIONS = f"http://127.0.0.1:{os.environ.get('NOTIFICATIONS_PORT', '8004')}"
MATCHING = f"http://127.0.0.1:{os.environ.get('MATCHING_PORT', '8003')}"


def _existing_emails(client: httpx.Client) -> set[str]:
    emails: set[str] = set()
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 200} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"{PARTICIPANTS}/participants", params=params).raise_for_status().json()
        emails.update(p["email"] for p in page["items"] if p["email"])
        cursor = page["next_cursor"]
        if not cursor:
            return emails


def _wait_for_welcome(client: httpx.Client, participant_id: str) -> bool:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        r = client.get(f"{NOTIFICATIONS}/recipients/{participant_id}/messages")
        if r.status_code == 200 and r.json()["items"]:
            return True
        time.sleep(0.3)
    return False


def main() -> int:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    private, _ = generate_keys(ROOT / ".local" / "keys")
    token = issue_token(private.read_bytes(), role="coordinator", subject="demo-coordinator")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(headers=headers, timeout=10) as client:
        known = _existing_emails(client)
        added = []
        for person in data["participants"]:
            if person["email"] in known:
                continue
            r = client.post(f"{PARTICIPANTS}/participants", json=person)
            r.raise_for_status()
            added.append(r.json()["id"])
        print(f"demo: {len(added)} participants added, {len(known)} were there already")
        if added and not _wait_for_welcome(client, added[-1]):
            print("demo: the welcome message has not arrived yet (see .local/logs)")
            return 1
    waiting = {k: len(v) for k, v in data.items() if k not in {"_about", "participants"}}
    print(
        "demo: kept for the features that serve them next: "
        + ", ".join(f"{n} {k}" for k, n in waiting.items())
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
