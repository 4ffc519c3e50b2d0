"""Plain SQL for the pseudonymous profiles."""

from __future__ import annotations

import json
import uuid
from typing import Any

from voimala_contracts import MatchingProfile
from voimala_kit import Connection

_UPSERT = """
INSERT INTO profile (participant_id, skills, languages, municipality, youth, matching_consent)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (participant_id) DO UPDATE SET skills = EXCLUDED.skills,
    languages = EXCLUDED.languages, municipality = EXCLUDED.municipality,
    youth = EXCLUDED.youth, matching_consent = EXCLUDED.matching_consent, updated_at = now()
"""
_GET = """
SELECT participant_id, skills, languages, municipality, youth, matching_consent, updated_at
FROM profile WHERE participant_id = $1
"""


async def upsert_profile(conn: Connection, participant_id: uuid.UUID, p: MatchingProfile) -> None:
    await conn.execute(
        _UPSERT,
        participant_id,
        p.skills,
        json.dumps([lang.model_dump() for lang in p.languages]),
        p.municipality,
        p.youth,
        p.matching_consent,
    )


async def get_profile(conn: Connection, participant_id: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(_GET, participant_id)
    if row is None:
        return None
    found = dict(row)
    found["languages"] = json.loads(found["languages"])
    return found
