"""Pure tests (issue 14): skills by the vocabulary's keys in scoring, and next steps."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from voimala_contracts.matching import Explanation
from voimala_matching.domain.next_steps import Upcoming, next_steps
from voimala_matching.domain.scoring import Opening, Profile, Weights, norm, score_opening
from voimala_matching.domain.vocabulary import held, stored_forms

T0 = datetime(2026, 12, 9, 12, tzinfo=UTC)


def _upcoming(days: int, teaches: list[str]) -> Upcoming:
    return Upcoming(
        occurrence_id=uuid.uuid4(),
        series_id=uuid.uuid4(),
        category="workshop",
        title={"fi": "Paja"},
        location={"fi": "Voimala"},
        starts_at=T0 + timedelta(days=days),
        local_start="",
        teaches=teaches,
    )


def test_skills_in_three_languages_are_one_key_and_free_text_stays() -> None:
    assert norm(["Siivous", "städning", "cleaning", "Kukkien  Sidonta"]) == [
        "cleaning",
        "kukkien sidonta",
    ]


def test_a_narrower_skill_holds_the_broader_not_the_other_way() -> None:
    assert "warehouse work" in held(["trukkikortti"])
    assert "forklift licence" not in held(["warehouse work"])
    opening = Opening(opening_id=1, type="job", required_skills=("varastotyö",))
    found = score_opening(
        Profile(participant_id=1, skills=frozenset({"truck"}), languages={}), opening, Weights()
    )
    assert isinstance(found, Explanation)
    assert found.matched_skills == ["warehouse work"]
    # the database is asked for every written form of the skill and of its narrower ones
    forms = stored_forms(["warehouse work"])
    assert {"varastotyö", "trukkikortti", "forklift licence", "warehouse work"} <= set(forms)


def test_next_steps_name_the_first_occurrences_that_teach_a_missing_skill() -> None:
    later, soon, other = (
        _upcoming(7, ["finnish"]),
        _upcoming(0, ["Suomen kieli"]),
        _upcoming(1, ["sewing"]),
    )
    forklift = _upcoming(3, ["forklift licence"])
    third = _upcoming(14, ["finnish"])
    steps = next_steps(
        ["finnish", "warehouse work", "baking"], [later, third, other, soon, forklift]
    )
    assert [(s.skill, s.occurrence) for s in steps] == [
        ("finnish", soon),
        ("finnish", later),
        ("warehouse work", forklift),  # the forklift course is warehouse work too
    ]
    assert next_steps([], [soon]) == []
