"""A mentor's language level is kept (issue 14) and counts where languages are compared."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from voimala_kit.testing import auth
from voimala_matching.domain.scoring import LEVELS, Filtered, Mentor, Profile, Weights
from voimala_matching.domain.scoring import score_mentor as score

from .conftest import mentor


def test_a_language_is_shared_only_where_both_speak_it_at_b1() -> None:
    p = Profile(participant_id=1, skills=frozenset({"logistics"}), languages={"fi": LEVELS["B2"]})
    weak = Mentor(mentor_id=1, fields=("logistics",), languages=frozenset({"fi"}), levels={"fi": 2})
    fluent = Mentor(
        mentor_id=2, fields=("logistics",), languages=frozenset({"fi"}), levels={"fi": 7}
    )
    unstated = Mentor(mentor_id=3, fields=("logistics",), languages=frozenset({"fi"}))
    assert score(p, weak, Weights()) == Filtered("no_shared_language")
    assert not isinstance(score(p, fluent, Weights()), Filtered)
    assert not isinstance(score(p, unstated, Weights()), Filtered)


async def test_a_mentors_levels_are_stored_and_answered(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    languages = [{"code": "fi", "level": "A2"}, {"code": "SV", "min_level": "C1"}, "en"]
    made = await mentor(client, token, languages=languages)
    want = [
        {"code": "fi", "level": "A2"},
        {"code": "sv", "level": "C1"},
        {"code": "en", "level": None},
    ]
    assert made["languages"] == want
    r = await client.get(f"/mentors/{made['id']}", headers=auth(token("coordinator")))
    assert r.status_code == 200, r.text
    assert r.json()["languages"] == want
