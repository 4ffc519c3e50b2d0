"""Matching end to end: an employer posts an opening, a consenting participant is proposed with
an explanation, the employer accepts, the participant consents to share contact, and the
employer gets the contact (as a message from notifications, which alone holds contacts).
Before that, no personal data of the participant reaches the employer by any endpoint."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from voimala_kit.testing import wait_for

from ..conftest import Platform

pytestmark = pytest.mark.e2e


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _business_id() -> str:
    while True:
        base = f"{random.randrange(10**7):07d}"
        r = sum(int(d) * w for d, w in zip(base, (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
        if r != 1:
            return f"{base}-{0 if r == 0 else 11 - r}"


async def test_employer_sees_the_contact_only_after_acceptance_and_consent(
    platform: Platform, token: Callable[..., str]
) -> None:
    tag = uuid.uuid4().hex[:6]
    skill = f"cnc machining {tag}"
    person = {
        "given_name": f"Ville{tag}",
        "family_name": f"Nieminen{tag}",
        "email": f"ville.{tag}@example.fi",
        "phone": "+358401112233",
        "preferred_language": "fi",
        "birth_year": 1979,
        "municipality": "Salo",
        "skills": [skill, "quality control"],
        "languages": [{"code": "fi", "level": "native"}],
        "matching_consent": True,
    }
    secrets = [person["given_name"], person["family_name"], person["email"], "1979"]
    participants = platform["participants"].url
    matching = platform["matching"].url
    notifications = platform["notifications"].url
    coordinator = _auth(token("coordinator"))

    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.post(f"{participants}/participants", json=person, headers=coordinator)
        assert r.status_code == 201, r.text
        pid = r.json()["id"]

        r = await client.post(
            f"{matching}/partners",
            json={
                "kind": "employer",
                "name": f"Salon Metalli Oy {tag}",
                "business_id": _business_id(),
                "municipality": "Salo",
                "contacts": [{"name": "Tiina Työnantaja", "email": f"tiina.{tag}@metalli.example"}],
            },
            headers=coordinator,
        )
        assert r.status_code == 201, r.text
        partner = r.json()
        contact_user = partner["contacts"][0]["user_id"]
        employer = _auth(token("employer", subject=contact_user, org=partner["id"]))

        r = await client.post(
            f"{matching}/partners/{partner['id']}/openings",
            json={
                "type": "work_trial",
                "title": "CNC machinist work trial",
                "required_skills": [skill],
                "nice_skills": ["quality control"],
                "languages": [{"code": "fi", "min_level": "B1"}],
                "municipality": "Salo",
                "places": 1,
            },
            headers=employer,
        )
        assert r.status_code == 201, r.text
        opening = r.json()

        async def proposed() -> Any:
            r = await client.post(
                f"{matching}/openings/{opening['id']}/proposals", headers=coordinator
            )
            assert r.status_code == 201, r.text
            return r.json() or None

        (proposal,) = await wait_for(proposed, timeout=60, interval=0.5)
        assert proposal["participant_id"] == pid
        explanation = proposal["explanation"]
        assert explanation["missing_skills"] == []
        assert {f["name"] for f in explanation["factors"]} >= {"skills", "languages", "location"}

        async def everything_the_employer_sees() -> str:
            paths = [
                f"/proposals/{proposal['id']}",
                "/proposals",
                f"/openings/{opening['id']}",
                f"/openings/{opening['id']}/candidates",
                "/openings",
                f"/partners/{partner['id']}",
            ]
            texts = [(await client.get(f"{matching}{p}", headers=employer)).text for p in paths]
            inbox = await client.get(
                f"{notifications}/recipients/{contact_user}/messages", headers=employer
            )
            assert inbox.status_code == 200, inbox.text
            return "\n".join([*texts, inbox.text])

        seen = await everything_the_employer_sees()
        assert skill in seen  # the pseudonymous profile is there
        assert not [s for s in secrets if s in seen]

        r = await client.post(f"{matching}/proposals/{proposal['id']}/accept", headers=employer)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "accepted"
        seen = await everything_the_employer_sees()
        assert not [s for s in secrets if s in seen]

        # The participant consents to share contact, in the participants service.
        r = await client.post(
            f"{participants}/participants/{pid}/consents",
            json={"purpose": "contact_sharing", "granted": True},
            headers=_auth(token("participant", subject=pid)),
        )
        assert r.status_code == 201, r.text

        async def confirmed() -> Any:
            r = await client.get(f"{matching}/proposals/{proposal['id']}", headers=employer)
            return r.json() if r.json()["status"] == "confirmed" else None

        done = await wait_for(confirmed, timeout=60)
        assert "notifications" in done["contact_delivery"]

        async def contact_arrived() -> Any:
            r = await client.get(
                f"{notifications}/recipients/{contact_user}/messages", headers=employer
            )
            found = [m for m in r.json()["items"] if person["email"] in m["body"]]
            return found or None

        (message,) = await wait_for(contact_arrived, timeout=120)
        assert person["given_name"] in message["body"]
        # Matching itself still knows nothing personal of the participant.
        r = await client.get(f"{matching}/proposals/{proposal['id']}", headers=coordinator)
        assert not [s for s in secrets if s in r.text]
