"""One shape of language everywhere (issue 17): `{code, level}` and `preferred_language`,
the older shapes still accepted on input."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError
from voimala_contracts.languages import (
    LanguageSkill,
    LanguageSkillIn,
    MentorLanguage,
    MentorLanguageIn,
    preferred_language,
)
from voimala_contracts.matching import OpeningPosted
from voimala_contracts.participants import Language


def test_a_skill_is_code_and_level_and_answers_so() -> None:
    skill = LanguageSkill.model_validate({"code": "fi", "level": "B1"})
    assert skill.model_dump() == {"code": "fi", "level": "B1"}
    assert LanguageSkill(code="sv", level="native").level == "native"


def test_an_openings_min_level_is_read_as_level() -> None:
    required = LanguageSkill.model_validate({"code": "fi", "min_level": "B2"})
    assert required.model_dump() == {"code": "fi", "level": "B2"}
    assert LanguageSkillIn.model_validate({"code": "fi", "min_level": "B2"}).level == "B2"


def test_an_old_opening_event_with_min_level_is_read_and_written_with_level() -> None:
    data = {
        "opening_id": "7f0c7f52-8c61-4d84-9d9e-7e2a4c1c2e11",
        "partner_id": "0d4f3e2a-1b5c-4e6f-8a9b-0c1d2e3f4a5b",
        "type": "job",
        "title": "Asentaja",
        "status": "open",
        "places": 1,
        "languages": [{"code": "fi", "min_level": "B1"}],
    }
    posted = OpeningPosted.model_validate(data)
    assert posted.model_dump(mode="json")["languages"] == [{"code": "fi", "level": "B1"}]


def test_a_code_is_trimmed_and_lower_cased_and_must_be_a_code() -> None:
    assert LanguageSkill.model_validate({"code": " FI ", "level": "A2"}).code == "fi"
    with pytest.raises(ValidationError):
        LanguageSkill.model_validate({"code": "finnish", "level": "A2"})
    with pytest.raises(ValidationError):
        LanguageSkill.model_validate({"code": "f1", "level": "A2"})


def test_a_skill_needs_a_level() -> None:
    with pytest.raises(ValidationError, match="level"):
        LanguageSkill.model_validate("fi")
    with pytest.raises(ValidationError, match="level"):
        LanguageSkill.model_validate({"code": "fi", "level": "B3"})


def test_a_mentors_language_may_be_a_bare_code_or_the_one_shape() -> None:
    assert MentorLanguage.model_validate("SV").model_dump() == {"code": "sv", "level": None}
    assert MentorLanguage.model_validate({"code": "en", "level": "C1"}).level == "C1"
    assert MentorLanguageIn.model_validate("fi").code == "fi"


def test_an_input_skill_refuses_an_unknown_field() -> None:
    with pytest.raises(ValidationError, match="levle"):
        LanguageSkillIn.model_validate({"code": "fi", "level": "B1", "levle": "B2"})
    with pytest.raises(ValidationError, match="levle"):
        MentorLanguageIn.model_validate({"code": "fi", "levle": "B2"})


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    preferred_language: Language = preferred_language()


def test_preferred_language_is_accepted_as_language_too() -> None:
    assert _Body.model_validate({"preferred_language": "sv"}).preferred_language == "sv"
    assert _Body.model_validate({"language": "en"}).preferred_language == "en"
    assert _Body.model_validate({}).preferred_language == "fi"
    assert _Body.model_validate({"language": "sv"}).model_dump() == {"preferred_language": "sv"}
    with pytest.raises(ValidationError):
        _Body.model_validate({"preferred_language": "de"})


def test_the_schema_names_the_one_shape() -> None:
    props = LanguageSkillIn.model_json_schema()["properties"]
    assert set(props) == {"code", "level"}
    assert _Body.model_json_schema()["properties"].keys() == {"preferred_language"}
