"""Demo programme: the service point's regular series, a few registrations for the next
occurrences (demo participants and one resident without an account), a bookable slot with the
teacher-counsellor, and the most asked programme idea linked to the series that answers it.

Idempotent: series are found by their Finnish title; registrations that exist answer 409 and
are left as they are; an idea is linked only once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


def _next_open(client: Any, base: str, series_id: str) -> dict[str, Any] | None:
    items = client.get(f"{base}/series/{series_id}/occurrences").raise_for_status().json()
    for occ in items["items"]:
        if occ["status"] == "scheduled":
            found: dict[str, Any] = occ
            return found
    return None


def _register(client: Any, base: str, occurrence_id: str, body: dict[str, Any]) -> bool:
    r = client.post(f"{base}/occurrences/{occurrence_id}/registrations", json=body)
    if r.status_code == 409:  # there already, or the occurrence does not take registrations
        return False
    r.raise_for_status()
    return True


def load(demo: Any) -> str:
    base = demo.url("events")
    client = demo.client("coordinator")
    participants: dict[str, str] = demo.created.get("participants", {})
    existing = client.get(f"{base}/series", params={"limit": 200}).raise_for_status().json()
    by_title = {s["title"]["fi"]: s for s in existing["items"]}
    created = registered = 0
    for spec in demo.data("events")["programme"]:
        body = {k: v for k, v in spec.items() if k not in ("register", "guests")}
        body.setdefault("first_date", datetime.now(ZoneInfo("Europe/Helsinki")).date().isoformat())
        series = by_title.get(body["title"]["fi"])
        if series is None:
            series = client.post(f"{base}/series", json=body).raise_for_status().json()
            created += 1
        occ = _next_open(client, base, series["id"])
        if occ is None:
            continue
        for email in spec.get("register", []):
            if email in participants:
                registered += _register(
                    client, base, occ["occurrence_id"], {"participant_id": participants[email]}
                )
        for guest in spec.get("guests", []):
            registered += _register(client, base, occ["occurrence_id"], {"guest": guest})
        if spec.get("slots") and occ.get("slots"):
            free = client.get(f"{base}/occurrences/{occ['occurrence_id']}").json()["free_slots"]
            if free and len(free) == occ["slots"]:
                body = {
                    "guest": {"name": "Slot Demo", "phone": "+358401110000", "language": "sv"},
                    "slot_start": free[0]["starts_at"],
                }
                registered += _register(client, base, occ["occurrence_id"], body)
    linked = _link_top_idea(client, base)
    return (
        f"{created} series created ({len(by_title)} there already), "
        f"{registered} registrations, {linked}"
    )


def _link_top_idea(client: Any, base: str) -> str:
    """The most asked idea still open goes to the workshop series (ideas arrive through
    Kafka from participants: there may be none yet on a first run)."""
    everything = client.get(f"{base}/ideas", params={"include_realised": True}).json()["items"]
    if any(i["series_id"] for i in everything):
        return "an idea was linked already"
    ideas = [i for i in everything if not i["series_id"]]
    if not ideas:
        return "no open ideas to link yet"
    series = client.get(f"{base}/series", params={"limit": 200}).raise_for_status().json()
    workshop = next((s for s in series["items"] if s["category"] == "workshop"), None)
    if workshop is None:
        return "no workshop series to link an idea to"
    top = ideas[0]
    client.post(
        f"{base}/series/{workshop['id']}/ideas", json={"idea_ids": top["idea_ids"]}
    ).raise_for_status()
    return f"idea asked {top['asked']}x linked to the workshop"
