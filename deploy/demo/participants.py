"""Demo participants: fictional job seekers with their consents, path and exits, drop-in visits
and ideas for the programme, all entered through the participants API as staff would.

Idempotent: participants are found by e-mail; exits are recorded only for those still active;
visits and ideas only into an empty service point.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

# Only what the loader uses to plan; everything else in a person goes to the API as it is.
_PLAN = ("months_ago", "exit")


def _existing(client: Any, base: str) -> dict[str, str]:
    found: dict[str, str] = {}
    cursor = None
    while True:
        params = {"limit": 200, "purpose": "demo data load"} | (
            {"cursor": cursor} if cursor else {}
        )
        page = client.get(f"{base}/participants", params=params).raise_for_status().json()
        found.update({p["email"]: p["id"] for p in page["items"] if p["email"]})
        cursor = page["next_cursor"]
        if not cursor:
            return found


def _register(client: Any, base: str, person: dict[str, Any], today: date) -> str:
    body = {k: v for k, v in person.items() if k not in _PLAN}
    body["entered_on"] = (today - timedelta(days=30 * person.get("months_ago", 0) + 3)).isoformat()
    r = client.post(f"{base}/participants", json=body).raise_for_status()
    pid: str = r.json()["id"]
    plan = person.get("exit")
    if plan:
        left = date.fromisoformat(body["entered_on"]) + timedelta(days=plan["days_after"])
        client.post(
            f"{base}/participants/{pid}/exit",
            json={"exit_date": min(left, today).isoformat(), "outcome": plan["outcome"]},
        ).raise_for_status()
    return pid


def _service_point(demo: Any, client: Any, base: str, known: dict[str, str]) -> str:
    data = demo.data("participants")
    if client.get(f"{base}/visits", params={"limit": 1}).raise_for_status().json()["items"]:
        return "visits and ideas were there already"
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    for visit in data["visits"]:
        body = {k: v for k, v in visit.items() if k not in ("days_ago", "participant")}
        body["visited_at"] = (now - timedelta(days=visit["days_ago"], hours=3)).isoformat()
        if "participant" in visit:
            body["participant_id"] = known[visit["participant"]]
        client.post(f"{base}/visits", json=body).raise_for_status()
    for idea in data["ideas"]:
        body = {"text": idea["text"], "language": idea["language"]}
        if "by" in idea:
            body["anonymous"] = idea.get("anonymous", False)
            with demo.client("participant", subject=known[idea["by"]]) as own:
                r = own.post(f"{base}/ideas", json=body).raise_for_status()
        else:
            r = client.post(f"{base}/ideas", json=body).raise_for_status()
        if "status" in idea:
            client.put(
                f"{base}/ideas/{r.json()['id']}/status", json={"status": idea["status"]}
            ).raise_for_status()
    return f"{len(data['visits'])} visits and {len(data['ideas'])} ideas recorded"


def load(demo: Any) -> str:
    base = demo.url("participants")
    people = demo.data("participants")["participants"]
    today = datetime.now(UTC).date()
    with demo.client("coordinator") as client:
        known = _existing(client, base)
        added = 0
        for person in people:
            if person["email"] not in known:
                known[person["email"]] = _register(client, base, person, today)
                added += 1
        demo.created["participants"] = known
        point = _service_point(demo, client, base, known)
        # The welcome travels through Kafka: wait until the last one has arrived.
        last = known[people[-1]["email"]]
        deadline = time.monotonic() + 90  # a busy machine may take its time
        inbox = f"{demo.url('notifications')}/recipients/{last}/messages"
        while not client.get(inbox).json().get("items"):
            assert time.monotonic() < deadline, "the welcome messages have not arrived"
            time.sleep(0.3)
    return f"{added} added, {len(people) - added} were there already; {point}; welcomes delivered"
