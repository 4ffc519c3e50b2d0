"""Demo notification settings: coordinators registered for programme notices, and a few
participants' channel, quiet-hour and opt-out choices, set through the notifications API.

Idempotent: every call is a PUT of the whole state. The messages themselves come from the
other loaders' events (welcomes, registrations, proposals), as they would in the programme.
"""

from __future__ import annotations

import time
from typing import Any


def _wait_for_recipient(client: Any, url: str) -> bool:
    # The recipient appears when notifications has read the participant's contact event.
    for _ in range(60):
        if client.get(url).status_code == 200:
            return True
        time.sleep(0.5)
    return False


def load(demo: Any) -> str:
    data = demo.data("notifications")
    base = demo.url("notifications")
    for person in data["staff"]:
        with demo.client("coordinator", subject=person["id"]) as client:
            body = {k: person[k] for k in ("given_name", "email", "language")}
            client.put(f"{base}/staff/{person['id']}", json=body).raise_for_status()
    participants: dict[str, str] = demo.created.get("participants", {})
    set_count = 0
    with demo.client("coordinator") as client:
        for wish in data["preferences"]:
            pid = participants.get(wish["email"])
            if pid is None:
                continue
            url = f"{base}/recipients/{pid}/preferences"
            if not _wait_for_recipient(client, url):
                continue
            body = {k: v for k, v in wish.items() if k != "email"}
            client.put(url, json=body).raise_for_status()
            set_count += 1
        summary = client.get(f"{base}/messages/summary").raise_for_status().json()
    total = sum(sum(by_status.values()) for by_status in summary.values())
    return (
        f"{len(data['staff'])} coordinators registered for notices, "
        f"{set_count} participants' preferences set, {total} messages so far"
    )
