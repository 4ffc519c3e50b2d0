"""A match's explanation in words, per language: matching's factors and notes in, sentences
out (pure functions; the factors as `domain/scoring.py` in matching writes them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from voimala_portal.explain import explain, fit, next_steps
from voimala_portal.opening_form import read
from voimala_portal.web.i18n import Translator

#: As matching explains a candidate to an employer (priority already removed).
OPENING: dict[str, Any] = {
    "score": 0.8123,
    "factors": [
        {
            "name": "skills",
            "weight": 0.4,
            "value": 0.6,
            "contribution": 0.3,
            "note": "4/5 required, 1/2 nice",
        },
        {"name": "languages", "weight": 0.15, "value": 1.0, "contribution": 0.17, "note": None},
        {
            "name": "location",
            "weight": 0.15,
            "value": 1.0,
            "contribution": 0.17,
            "note": "same municipality",
        },
        {
            "name": "availability",
            "weight": 0.1,
            "value": 0.0,
            "contribution": 0.0,
            "note": "not available for these hours",
        },
        {
            "name": "goals",
            "weight": 0.1,
            "value": 0.67,
            "contribution": 0.07,
            "note": "2 matching words in goals",
        },
    ],
    "missing_skills": ["forklift licence"],
    "matched_skills": ["warehouse", "inventory", "packing", "cleaning", "customer service"],
}
ASKED = [{"code": "fi", "min_level": "B2"}, {"code": "en", "min_level": "A2"}]
CANDIDATE = {
    "languages": [{"code": "fi", "level": "B1"}, {"code": "en", "level": "native"}],
    "municipality": "Salo",
}

EXPECTED = {
    "en": [
        "4 of 5 required skills; missing: forklift licence",
        "1 of 2 nice-to-have skills",
        "speaks Finnish B1 (asked: B2)",
        "speaks English native (asked: A2)",
        "lives in Salo",
        "not available for these working hours",
        "their goals fit this work",
    ],
    "fi": [
        "vaadituista taidoista 4/5; puuttuu: trukkikortti",  # the vocabulary's label
        "toivotuista taidoista 1/2",
        "kielitaito: suomi B1 (vaaditaan B2)",
        "kielitaito: englanti äidinkieli (vaaditaan A2)",
        "asuinkunta: Salo",
        "ei käytettävissä näinä työaikoina",
        "tavoitteet sopivat tähän työhön",
    ],
    "sv": [
        "4 av 5 krävda färdigheter; saknas: truckkort",
        "1 av 2 önskade färdigheter",
        "talar finska B1 (krav: B2)",
        "talar engelska modersmål (krav: A2)",
        "bor i Salo",
        "inte tillgänglig för dessa arbetstider",
        "målen passar detta arbete",
    ],
}


@pytest.mark.parametrize("language", ["en", "fi", "sv"])
def test_an_openings_explanation_is_said_in_the_pages_language(language: str) -> None:
    t = Translator(language)  # type: ignore[arg-type]
    said = explain(t, OPENING, asked_languages=ASKED, candidate=CANDIDATE)
    assert said == EXPECTED[language]


def test_singular_and_the_other_notes() -> None:
    t = Translator("en")
    one = {
        "score": 0.5,
        "factors": [
            {
                "name": "skills",
                "weight": 0.4,
                "value": 1,
                "contribution": 0.4,
                "note": "1/1 required, 0/0 nice",
            },
            {
                "name": "location",
                "weight": 0.15,
                "value": 0.5,
                "contribution": 0.1,
                "note": "neighbouring municipality",
            },
            {
                "name": "availability",
                "weight": 0.1,
                "value": 0.5,
                "contribution": 0.1,
                "note": "availability not given",
            },
            {
                "name": "goals",
                "weight": 0.1,
                "value": 0,
                "contribution": 0,
                "note": "0 matching words in goals",
            },
        ],
        "missing_skills": [],
        "matched_skills": ["soldering"],
    }
    said = explain(t, one, candidate={"municipality": "Paimio"})
    assert said == [
        "1 of 1 required skill",
        "lives in Paimio, a neighbouring municipality",
        "availability not given",
    ]
    remote = dict(
        one,
        factors=[
            {
                "name": "location",
                "weight": 1,
                "value": 1,
                "contribution": 1,
                "note": "remote work possible",
            }
        ],
    )
    assert explain(t, remote) == ["remote work possible"]
    unknown = dict(
        one,
        factors=[
            {
                "name": "location",
                "weight": 1,
                "value": 0.25,
                "contribution": 1,
                "note": "location unknown",
            }
        ],
    )
    assert explain(Translator("fi"), unknown) == ["asuinkuntaa ei ole kerrottu"]
    # The opening names no place (matching says "location unknown"): where the person lives.
    assert explain(Translator("fi"), unknown, candidate={"municipality": "Salo"}) == [
        "asuinkunta: Salo"
    ]


def test_a_mentors_explanation_names_fields_and_never_age() -> None:
    mentor = {
        "score": 0.9,
        "factors": [
            {
                "name": "skills",
                "weight": 0.4,
                "value": 0.5,
                "contribution": 0.3,
                "note": "1 of the mentor's fields match",
            },
            {
                "name": "languages",
                "weight": 0.15,
                "value": 1,
                "contribution": 0.2,
                "note": "1 shared languages",
            },
            {
                "name": "location",
                "weight": 0.15,
                "value": 0,
                "contribution": 0,
                "note": "outside commuting distance",
            },
            {
                "name": "availability",
                "weight": 0.1,
                "value": 1,
                "contribution": 0.1,
                "note": "mentor prefers young people",
            },
        ],
        "missing_skills": [],
        "matched_skills": ["electronics"],
    }
    said = explain(Translator("sv"), mentor, candidate={"municipality": "Turku"}, mentor=True)
    assert said == [
        "gemensamt område: elektronik",  # the field in the reader's language
        "ni har ett gemensamt språk",
        "bor i Turku (lång arbetsresa)",
    ]
    assert not [s for s in said if "ung" in s]


def test_unknown_notes_and_empty_explanations_say_nothing_wrong() -> None:
    t = Translator("en")
    assert explain(t, {"score": 0, "factors": []}) == []
    odd = {
        "factors": [{"name": "location", "note": "somewhere new"}, {"name": "skills", "note": None}]
    }
    assert explain(t, odd, candidate={"municipality": "Salo"}) == []


def test_the_fit_is_a_percentage_in_each_language() -> None:
    assert fit(Translator("en"), 0.8123) == "fit 81%"
    assert fit(Translator("fi"), 0.8123) == "sopivuus 81 %"
    assert fit(Translator("sv"), 1.0) == "passar 100 %"


class _Form(dict[str, str]):
    def get(self, key: str, default: Any = None) -> Any:  # as starlette's FormData
        return super().get(key, default)


def test_the_opening_form_is_checked_as_matching_would() -> None:
    today = dt.date(2027, 1, 10)
    bad = read(
        _Form(
            title="x" * 201,
            places="0",
            deadline="2027-01-09",
            start_date="31.1.",
            language_1="fi",
            hours="nights",
            description="\x00ok",
        ),  # type: ignore[arg-type]
        Translator("en"),
        today,
        new=True,
    )
    assert set(bad.errors) == {
        "type",
        "title",
        "places",
        "deadline",
        "start_date",
        "level_1",
        "hours",
    }
    assert bad.values["description"] == "ok"  # control characters dropped
    good = read(
        _Form(
            type="work_trial",
            title=" Varasto ",
            required_skills="trukkikortti, Varasto\nvarasto\n\n",
            language_1="fi",
            level_1="B1",
            places="2",
            remote="yes",
            deadline="2027-01-10",
        ),  # type: ignore[arg-type]
        Translator("en"),
        today,
        new=True,
    )
    assert good.errors == {}
    assert good.body["required_skills"] == ["trukkikortti", "Varasto", "varasto"]
    assert good.body["languages"] == [{"code": "fi", "level": "B1"}]
    assert good.body["places"] == 2
    assert good.body["remote"] is True
    assert good.body["deadline"] == "2027-01-10"
    assert good.body["type"] == "work_trial"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fi", "suomen kieli → Kielikahvila, keskiviikkona 9.12. 14.00"),
        ("sv", "finska → Språkcafé, onsdag 9.12. 14:00"),
        ("en", "Finnish → Language café, Wednesday 9 December 14:00"),
    ],
)
def test_next_steps_name_the_skill_and_the_occurrence_in_the_pages_language(
    language: str, expected: str
) -> None:
    t = Translator(language)  # type: ignore[arg-type]
    explanation = {
        "missing_skills": ["finnish", "underwater basket weaving"],
        "next_steps": [
            {
                "skill": "finnish",
                "title": {"fi": "Kielikahvila", "sv": "Språkcafé", "en": "Language café"},
                "starts_at": "2026-12-09T12:00:00+00:00",
            }
        ],
    }
    assert next_steps(t, explanation) == [expected]
    assert next_steps(t, {"missing_skills": ["finnish"]}) == []
