"""Consent takes effect everywhere: a participant who withdraws the matching consent leaves
matching's candidates and their open proposal is withdrawn (both on their service path); an
employer reads none of the registry's personal data."""

from __future__ import annotations

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


async def test_withdrawn_matching_consent_removes_the_participant_from_the_candidates(
    platform: Platform, token: Callable[..., str]
) -> None:
    tag = uuid.uuid4().hex[:8]
    skill = f"harbour crane {tag}"
    coordinator = _auth(token("coordinator", subject="coordinator-e2e"))
    participants, matching = platform["participants"].url, platform["matching"].url
    async with httpx.AsyncClient(timeout=15) as client:
        r = await client.post(
            f"{participants}/participants",
            json={
                "given_name": f"Kaisa{tag}",
                "family_name": f"Mäki{tag}",
                "email": f"kaisa.{tag}@example.fi",
                "phone": "040 123 4567",
                "birth_year": 1990,
                "municipality": "Salo",
                "skills": [skill],
                "languages": [{"code": "fi", "level": "native"}],
                "consents": {"matching": True, "statistics": True},
                "subsidy_days": 700,
            },
            headers=coordinator,
        )
        assert r.status_code == 201, r.text
        pid = r.json()["id"]
        assert r.json()["phone"] == "+358401234567"
        assert r.json()["target_group"] == "subsidy_500_plus"

        r = await client.post(
            f"{matching}/partners",
            json={
                "kind": "association",
                "name": f"Satama ry {tag}",
                "municipality": "Salo",
                "contacts": [{"name": "Contact Person", "email": f"c.{tag}@example.fi"}],
            },
            headers=coordinator,
        )
        assert r.status_code == 201, r.text
        partner = r.json()["id"]

        async def profiled() -> Any:
            r = await client.get(f"{matching}/profiles/{pid}", headers=coordinator)
            return r.status_code == 200

        await wait_for(profiled, timeout=60)
        r = await client.post(
            f"{matching}/partners/{partner}/openings",
            json={
                "type": "work_trial",
                "title": f"Crane operator trial {tag}",
                "required_skills": [skill],
                "municipality": "Salo",
                "places": 1,
            },
            headers=coordinator,
        )
        assert r.status_code == 201, r.text
        opening = r.json()["id"]

        async def candidate_ids() -> list[str]:
            r = await client.get(f"{matching}/openings/{opening}/candidates", headers=coordinator)
            assert r.status_code == 200, r.text
            return [c["participant_id"] for c in r.json()]

        async def is_candidate() -> bool:
            return pid in await candidate_ids()

        await wait_for(is_candidate, timeout=60)
        r = await client.post(
            f"{matching}/proposals",
            json={"participant_id": pid, "opening_id": opening},
            headers=coordinator,
        )
        assert r.status_code == 201, r.text
        proposal = r.json()["id"]

        async def path_kinds() -> list[str]:
            r = await client.get(f"{participants}/participants/{pid}/timeline", headers=coordinator)
            assert r.status_code == 200, r.text
            return [e["kind"] for e in r.json()["items"] if e["source"] == "matching"]

        async def proposed() -> bool:
            return "match.proposed" in await path_kinds()

        # The proposal is on the participant's service path, from matching's event.
        await wait_for(proposed, timeout=60)

        # An employer reads none of the registry's personal data, not even with an org claim.
        employer = _auth(token("employer", subject=str(uuid.uuid4()), org=partner))
        for path in (
            f"/participants/{pid}",
            f"/participants/{pid}/consents",
            f"/participants/{pid}/timeline",
            "/participants",
        ):
            r = await client.get(f"{participants}{path}", headers=employer)
            assert r.status_code == 403, (path, r.text)

        own = _auth(token("participant", subject=pid))
        r = await client.post(
            f"{participants}/participants/{pid}/consents",
            json={"purpose": "matching", "granted": False},
            headers=own,
        )
        assert r.status_code == 201, r.text

        async def gone() -> bool:
            return pid not in await candidate_ids()

        await wait_for(gone, timeout=60)

        async def withdrawn() -> bool:
            return "match.declined" in await path_kinds()

        # Matching withdrew the unanswered proposal, and the path shows that too.
        await wait_for(withdrawn, timeout=60)
        r = await client.get(f"{matching}/proposals/{proposal}", headers=coordinator)
        assert r.status_code == 200, r.text
        assert r.json()["status"] != "proposed"

        r = await client.get(f"{participants}/participants/{pid}/audit", headers=coordinator)
        assert r.status_code == 200, r.text
        assert any(
            e["actor"] == pid and e["action"] == "update_consents" for e in r.json()["items"]
        )
