"""The skills vocabulary (issue 14): one skill in fi/sv/en, synonyms, broader skills."""

from __future__ import annotations

import pytest
from voimala_contracts.vocabulary import LANGS, build, fold, vocabulary


def test_the_file_loads_whole() -> None:
    v = vocabulary()
    assert 60 <= len(v.skills) <= 160
    for skill in v.skills.values():
        assert all(skill.labels.get(lang) for lang in LANGS), skill.id
        assert skill.id == fold(skill.labels["en"])  # the id is the English label
        # an ESCO URI only where known; never a made-up shape
        assert skill.esco == "" or skill.esco.startswith("http://data.europa.eu/esco/skill/")


@pytest.mark.parametrize("written", ["siivous", "Städning", "cleaning", " SIIVOUS  "])
def test_one_skill_in_three_languages(written: str) -> None:
    assert vocabulary().key(written) == "cleaning"


def test_unknown_skills_stay_free_text() -> None:
    assert vocabulary().key("  Underwater   Basket weaving ") == "underwater basket weaving"
    assert vocabulary().label("underwater basket weaving", "sv") == "underwater basket weaving"
    assert vocabulary().broader("underwater basket weaving") == []


def test_broader_skills_and_labels() -> None:
    v = vocabulary()
    assert v.key("trukkikortti") == "forklift licence"
    assert v.broader("forklift licence") == ["warehouse work", "logistics"]
    assert v.label("forklift licence", "sv") == "truckkort"
    assert v.label("finnish", "fi") == "suomen kieli"
    assert "siivous" in v.suggestions("fi")
    assert "städning" in v.written_forms(["cleaning"])


def test_a_form_naming_two_skills_is_refused() -> None:
    a = {"id": "a", "labels": {"en": "A"}, "synonyms": {"fi": ["x"]}}
    b = {"id": "b", "labels": {"en": "B"}, "synonyms": {"sv": ["X"]}}
    with pytest.raises(ValueError, match="names both"):
        build([a, b])
    with pytest.raises(ValueError, match="unknown broader"):
        build([{"id": "c", "labels": {"en": "C"}, "broader": "nothing"}])
