"""Demo matching: Salo-area partners with their contact people, their openings and volunteer
mentors, entered through the matching API; then the engine proposes candidates from the demo
participants (whose profiles arrive through Kafka), mentors are assigned, and one employer has
accepted a proposal, so that every state of the lifecycle is there to look at.

Idempotent: partners are found by business ID (409 names the existing one), openings by their
partner and title, mentors by their login id; proposals are made only where none are.
"""

from __future__ import annotations

import time
from typing import Any

_OPENING_KEYS = ("partner",)


def _partners(client: Any, base: str, data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for partner in data["partners"]:
        r = client.post(f"{base}/partners", json=partner)
        if r.status_code == 409:
            r = client.get(f"{base}/partners/{r.json()['existing_partner_id']}")
        r.raise_for_status()
        found[partner["name"]] = r.json()
    return found


def _openings(demo: Any, base: str, data: dict[str, Any], partners: dict[str, Any]) -> list[Any]:
    made = []
    for opening in data["openings"]:
        partner = partners[opening["partner"]]
        body = {k: v for k, v in opening.items() if k not in _OPENING_KEYS}
        with demo.client(
            "employer", subject=partner["contacts"][0]["user_id"], org=partner["id"]
        ) as own:
            mine = own.get(f"{base}/openings", params={"limit": 200}).raise_for_status().json()
            existing = [o for o in mine["items"] if o["title"] == opening["title"]]
            if existing:
                made.append(existing[0])
            else:
                made.append(
                    own.post(f"{base}/partners/{partner['id']}/openings", json=body)
                    .raise_for_status()
                    .json()
                )
    return made


def _mentors(client: Any, base: str, data: dict[str, Any]) -> int:
    known = {m["user_id"] for m in client.get(f"{base}/mentors").raise_for_status().json()}
    added = 0
    for mentor in data["mentors"]:
        if mentor["user_id"] not in known:
            client.post(f"{base}/mentors", json=mentor).raise_for_status()
            added += 1
    return added


def _wait_for_profiles(client: Any, base: str, openings: list[Any]) -> None:
    """Participants' profiles reach matching through Kafka: give them a moment."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ranked = client.get(f"{base}/openings/{openings[0]['id']}/candidates", params={"k": 1})
        if ranked.status_code == 200 and ranked.json():
            return
        time.sleep(1)


def load(demo: Any) -> str:
    base = demo.url("matching")
    data = demo.data("matching")
    with demo.client("coordinator") as client:
        partners = _partners(client, base, data)
        demo.created["partners"] = partners
        openings = _openings(demo, base, data, partners)
        mentors_added = _mentors(client, base, data)
        _wait_for_profiles(client, base, openings)
        proposed = 0
        for opening in openings:
            if opening["status"] != "open":
                continue
            before = client.get(
                f"{base}/proposals", params={"opening_id": opening["id"]}
            ).raise_for_status()
            if before.json()["items"]:
                continue
            proposed += len(
                client.post(f"{base}/openings/{opening['id']}/proposals").raise_for_status().json()
            )
        assigned = len(
            client.post(f"{base}/mentor-assignments").raise_for_status().json()["proposed"]
        )
    # The electronics employer has accepted its best candidate (waiting for contact consent).
    first = partners[data["openings"][0]["partner"]]
    with demo.client("employer", subject=first["contacts"][0]["user_id"], org=first["id"]) as own:
        waiting = own.get(f"{base}/proposals", params={"status": "proposed"}).raise_for_status()
        accepted = 0
        if (
            waiting.json()["items"]
            and not own.get(f"{base}/proposals", params={"status": "accepted"}).json()["items"]
        ):
            own.post(
                f"{base}/proposals/{waiting.json()['items'][0]['id']}/accept"
            ).raise_for_status()
            accepted = 1
    return (
        f"{len(partners)} partners, {len(openings)} openings, {mentors_added} new mentors; "
        f"{proposed} candidates and {assigned} mentors proposed, {accepted} accepted"
    )
