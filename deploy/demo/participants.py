"""Demo participants: fictional job seekers, registered by a coordinator."""

from __future__ import annotations

import time
from typing import Any


def _existing(client: Any, base: str) -> dict[str, str]:
    found: dict[str, str] = {}
    cursor = None
    while True:
        params = {"limit": 200} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"{base}/participants", params=params).raise_for_status().json()
        found.update({p["email"]: p["id"] for p in page["items"] if p["email"]})
        cursor = page["next_cursor"]
        if not cursor:
            return found


def load(demo: Any) -> str:
    base = demo.url("participants")
    people = demo.data("participants")["participants"]
    with demo.client("coordinator") as client:
        known = _existing(client, base)
        added = 0
        for person in people:
            if person["email"] not in known:
                r = client.post(f"{base}/participants", json=person).raise_for_status()
                known[person["email"]] = r.json()["id"]
                added += 1
        demo.created["participants"] = known
        # The welcome travels through Kafka: wait until the last one has arrived.
        last = known[people[-1]["email"]]
        deadline = time.monotonic() + 20
        inbox = f"{demo.url('notifications')}/recipients/{last}/messages"
        while not client.get(inbox).json().get("items"):
            assert time.monotonic() < deadline, "the welcome messages have not arrived"
            time.sleep(0.3)
    return f"{added} added, {len(people) - added} were there already; welcomes delivered"
