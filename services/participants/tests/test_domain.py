"""The participant's pure rules: who counts as youth, what matching may know, and how a
request's fields become the record."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from voimala_contracts import LanguageSkill, ParticipantContactChanged, ParticipantRegistered
from voimala_kit.refusals import Invalid
from voimala_participants.domain import (
    YOUTH_UNDER,
    Participant,
    age_group,
    age_on,
    is_youth,
    new_participant,
    target_group,
)

TODAY = date(2025, 6, 15)


@pytest.mark.parametrize(
    ("birth_year", "youth"),
    [
        (2025 - 29, True),  # turns 29 this year: youth
        (2025 - 30, False),  # turns 30 this year: no longer youth
        (2025 - 31, False),
        (2025 - 16, True),
        (2025, True),
        (None, False),  # unknown birth year: not counted as youth
    ],
)
def test_youth_is_under_30_by_birth_year(birth_year: int | None, youth: bool) -> None:
    assert is_youth(birth_year, TODAY) is youth


@pytest.mark.parametrize("today", [date(2025, 1, 1), date(2025, 6, 15), date(2025, 12, 31)])
def test_youth_depends_on_the_year_only_not_the_day(today: date) -> None:
    # Whatever the birthday, the age reached this year decides, all year long.
    assert is_youth(1996, today) is True
    assert is_youth(1995, today) is False


def test_the_youth_limit_is_30() -> None:
    assert YOUTH_UNDER == 30
    assert is_youth(TODAY.year - YOUTH_UNDER + 1, TODAY)
    assert not is_youth(TODAY.year - YOUTH_UNDER, TODAY)


def _participant(**overrides: object) -> Participant:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "given_name": "Aino-Secretname",
        "family_name": "Virtanen-Secretfamily",
        "preferred_language": "fi",
        "email": "aino.secret@example.fi",
        "phone": "+358401112233",
        "birth_year": 2001,
        "municipality": "Salo",
        "skills": ["forklift", "customer service"],
        "languages": [LanguageSkill(code="fi", level="native")],
        "matching_consent": True,
    }
    values.update(overrides)
    return Participant(**values)  # type: ignore[arg-type]


def test_the_matching_profile_carries_no_name_or_contact() -> None:
    p = _participant()
    profile = p.matching_profile(TODAY)

    dumped = profile.model_dump(mode="json")
    assert set(dumped) == {
        "skills",
        "languages",
        "municipality",
        "youth",
        "education_level",
        "availability",
        "goals",
        "target_group",
        "wants_mentor",
        "matching_consent",
        "status",
    }
    text = profile.model_dump_json()
    for personal in (p.given_name, p.family_name, p.email, p.phone, str(p.birth_year), str(p.id)):
        assert personal is not None
        assert personal not in text
    assert dumped == {
        "skills": ["forklift", "customer service"],
        "languages": [{"code": "fi", "level": "native"}],
        "municipality": "Salo",
        "youth": True,
        "education_level": None,
        "availability": [],
        "goals": None,
        "target_group": None,
        "wants_mentor": False,
        "matching_consent": True,
        "status": "active",
    }


def test_the_matching_profile_computes_youth_for_the_given_day() -> None:
    assert _participant(birth_year=1996).matching_profile(TODAY).youth is True
    assert _participant(birth_year=1995).matching_profile(TODAY).youth is False
    assert _participant(birth_year=None).matching_profile(TODAY).youth is False


def test_registering_is_the_contact_first_then_the_registration() -> None:
    p = _participant(preferred_language="sv")
    contact, registered = p.registered(TODAY)

    assert isinstance(contact, ParticipantContactChanged)
    assert isinstance(registered, ParticipantRegistered)
    for event in (contact, registered):
        assert event.participant_id == p.id
        assert event.preferred_language == "sv"
    assert registered.profile == p.matching_profile(TODAY)


def test_personal_data_is_only_under_personal_in_contact_changed() -> None:
    # A fixed id, so that the birth year cannot turn up in it by chance.
    p = _participant(id=uuid.UUID("0f0f0f0f-aaaa-4bbb-8ccc-dddddddddddd"), preferred_language="sv")
    contact, registered = p.registered(TODAY)

    assert isinstance(contact, ParticipantContactChanged)
    assert contact == p.contact_changed()
    assert contact.personal.model_dump() == {
        "given_name": p.given_name,
        "family_name": p.family_name,
        "email": p.email,
        "phone": p.phone,
        "preferred_channel": "in_app",
    }
    outside = contact.model_dump_json(exclude={"personal"})
    everywhere = registered.model_dump_json()
    for personal in (p.given_name, p.family_name, p.email, p.phone, str(p.birth_year)):
        assert personal is not None
        assert personal not in outside
        assert personal not in everywhere  # the registration carries none at all
    assert "personal" not in registered.model_dump()


@pytest.mark.parametrize(
    ("days", "reason", "group"),
    [
        (None, None, None),
        (0, None, None),
        (299, None, None),
        (300, None, "subsidy_300_499"),
        (499, "also referred", "subsidy_300_499"),
        (500, None, "subsidy_500_plus"),
        (2000, None, "subsidy_500_plus"),
        (120, "long illness", "referred_by_staff"),
        (None, "", None),
    ],
)
def test_the_target_group_comes_from_subsidy_days_first_then_a_referral(
    days: int | None, reason: str | None, group: str | None
) -> None:
    assert target_group(days, reason) == group


def test_youth_by_birth_date_counts_the_birthday() -> None:
    today = date(2026, 6, 15)
    assert is_youth(None, today, date(1996, 6, 16)) is True  # 29 until tomorrow
    assert is_youth(None, today, date(1996, 6, 15)) is False  # 30 today
    assert age_on(None, today, date(1996, 6, 16)) == 29
    # A birth date wins over a year that disagrees with it; the record keeps them in step.
    p = _participant(birth_year=1950, birth_date=date(2000, 1, 1))
    assert p.birth_year == 2000


@pytest.mark.parametrize(
    ("birth_year", "band"),
    [(None, "unknown"), (1997, "under_30"), (1996, "30_54"), (1972, "30_54"), (1971, "55_plus")],
)
def test_age_groups_are_the_esf_bands(birth_year: int | None, band: str) -> None:
    assert age_group(birth_year, date(2026, 6, 15)) == band


def test_a_change_means_contact_profile_or_both() -> None:
    p = _participant()
    kinds = lambda fields: [type(e).__name__ for e in p.changes(fields, TODAY)]  # noqa: E731
    assert kinds({"phone"}) == ["ParticipantContactChanged"]
    assert kinds({"skills", "goals"}) == ["ParticipantProfileUpdated"]
    assert kinds({"preferred_language"}) == [
        "ParticipantContactChanged",
        "ParticipantProfileUpdated",
    ]
    assert kinds({"gender", "work_history"}) == []  # neither travels


def _details(**overrides: object) -> dict[str, object]:
    """What a registration sends, as the API hands it on (the request's fields by name)."""
    details: dict[str, object] = {
        "given_name": "Aino",
        "family_name": "Virtanen",
        "preferred_language": "fi",
        "preferred_channel": "in_app",
        "email": "aino@example.fi",
        "birth_date": None,
        "birth_year": 2001,
        "skills": ["forklift", "forklift", "welding"],
        "skill_uris": {},
        "languages": [{"code": "fi", "level": "native"}],
        "availability": ["mornings", "mornings"],
    }
    details.update(overrides)
    return details


def test_a_new_participant_keeps_each_skill_once_and_languages_as_the_contract_says() -> None:
    p = new_participant(uuid.uuid4(), _details(), matching_consent=True)
    assert p.skills == ["forklift", "welding"]
    assert p.availability == ["mornings"]
    assert p.languages == [LanguageSkill(code="fi", level="native")]
    assert p.matching_consent is True
    assert p.status == "active"


def _refused_field(error: Invalid) -> str:
    (problem,) = error.extra["errors"]
    return str(problem["loc"][-1])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"birth_date": date(2000, 1, 1), "birth_year": 1990}, "birth_year"),
        ({"skill_uris": {"cooking": "http://data.europa.eu/esco/skill/x"}}, "skill_uris"),
    ],
)
def test_rules_that_span_fields_refuse_a_registration(
    overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(Invalid) as refused:
        new_participant(uuid.uuid4(), _details(**overrides), matching_consent=False)
    assert _refused_field(refused.value) == field


def test_a_change_says_what_changed_and_a_birth_date_sets_the_year() -> None:
    p = _participant()
    changed = p.apply({"birth_date": date(1999, 5, 5), "skills": ["forklift", "customer service"]})
    assert changed == {"birth_date"}  # the skills were already those
    assert p.birth_year == 1999
    assert p.apply({"skill_uris": None}) == set()  # no URIs is an empty map
    assert p.skill_uris == {}


@pytest.mark.parametrize("name", ["given_name", "family_name", "preferred_language"])
def test_a_required_field_cannot_be_cleared(name: str) -> None:
    with pytest.raises(Invalid) as refused:
        _participant().apply({name: None})
    assert _refused_field(refused.value) == name


def test_only_a_participants_fields_can_be_set() -> None:
    with pytest.raises(ValueError, match="not a field"):
        _participant().apply({"id": uuid.uuid4()})
