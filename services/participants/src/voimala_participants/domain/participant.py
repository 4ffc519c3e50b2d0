"""The participant as the programme sees it. Pure: no I/O; it says which events happened."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Literal

from voimala_contracts import (
    EventData,
    LanguageSkill,
    MatchingProfile,
    ParticipantContact,
    ParticipantContactChanged,
    ParticipantProfileUpdated,
    ParticipantRegistered,
)
from voimala_contracts.participants import Channel, Language, ParticipantStatus, TargetGroup
from voimala_kit.refusals import invalid

from .age import AgeGroup, age_group, is_youth
from .eligibility import target_group

Gender = Literal["female", "male", "other", "unknown"]
#: CEFR levels from the lowest; "native" above them all.
CEFR_ORDER = ("A1", "A2", "B1", "B2", "C1", "C2", "native")
#: Fields that make up the matching profile: a change to one is `profile_updated`.
PROFILE_FIELDS = frozenset(
    {
        "skills",
        "languages",
        "municipality",
        "birth_year",
        "birth_date",
        "education_level",
        "availability",
        "goals",
        "subsidy_days",
        "referral_reason",
        "wants_mentor",
        "status",
        "preferred_language",
    }
)
#: Fields that travel in `contact_changed`.
CONTACT_FIELDS = frozenset(
    {"given_name", "family_name", "email", "phone", "preferred_language", "preferred_channel"}
)
#: Fields only staff may change: eligibility and status.
STAFF_ONLY_FIELDS = frozenset({"subsidy_days", "referral_reason", "referral_source", "status"})
#: Fields a record cannot do without: a change may not clear them.
REQUIRED_FIELDS = ("given_name", "family_name", "preferred_language", "preferred_channel")
#: Fields that always hold a value (the database's NOT NULL): a change may not clear them
#: (no skill URIs, null, is kept as an empty map).
NEVER_EMPTY = frozenset(
    {*REQUIRED_FIELDS, "status", "skills", "languages", "availability"}
    | {"wants_mentor", "matching_consent"}
)


@dataclass
class Participant:
    id: uuid.UUID
    given_name: str
    family_name: str
    preferred_language: Language
    email: str | None = None
    phone: str | None = None
    preferred_channel: Channel = "in_app"
    birth_year: int | None = None
    birth_date: date | None = None
    gender: str | None = None
    municipality: str | None = None
    skills: list[str] = field(default_factory=list)
    skill_uris: dict[str, str] = field(default_factory=dict)
    languages: list[LanguageSkill] = field(default_factory=list)
    education_level: int | None = None
    work_history: str | None = None
    goals: str | None = None
    availability: list[str] = field(default_factory=list)
    subsidy_days: int | None = None
    referral_reason: str | None = None
    referral_source: str | None = None
    wants_mentor: bool = False
    matching_consent: bool = False
    status: ParticipantStatus = "active"

    def __post_init__(self) -> None:
        if self.birth_date is not None:
            self.birth_year = self.birth_date.year

    @property
    def target_group(self) -> TargetGroup | None:
        return target_group(self.subsidy_days, self.referral_reason)

    def youth(self, today: date) -> bool:
        return is_youth(self.birth_year, today, self.birth_date)

    def age_group(self, today: date) -> AgeGroup:
        return age_group(self.birth_year, today, self.birth_date)

    def search_text(self) -> str:
        """What free-text search looks in: names, e-mail and skills."""
        parts = [self.given_name, self.family_name, self.email or "", *self.skills]
        return " ".join(p for p in parts if p).lower()

    def apply(self, values: Mapping[str, object]) -> set[str]:
        """Set the fields given (a request's, already valid one by one); return the names of
        those whose value changed. A birth date sets the birth year with it."""
        changed = set()
        for name, given in values.items():
            value = _normal(name, given)
            if getattr(self, name) != value:
                setattr(self, name, value)
                changed.add(name)
        if "birth_date" in changed and self.birth_date is not None:
            self.birth_year = self.birth_date.year
        return changed

    def check(self, values: Mapping[str, object]) -> None:
        """Rules that span fields, on the record as it would be saved with `values` applied."""
        year = values.get("birth_year")
        if year is not None and self.birth_date is not None and year != self.birth_date.year:
            raise invalid("birth_year", "does not agree with the birth date")
        if set(self.skill_uris) - set(self.skills):
            raise invalid("skill_uris", "every key must be one of the skills")

    def matching_profile(self, today: date) -> MatchingProfile:
        """What matching may know: skills and circumstances, never who the person is."""
        return MatchingProfile(
            skills=self.skills,
            languages=self.languages,
            municipality=self.municipality,
            youth=self.youth(today),
            education_level=self.education_level,
            availability=self.availability,
            goals=self.goals,
            target_group=self.target_group,
            wants_mentor=self.wants_mentor,
            matching_consent=self.matching_consent,
            status=self.status,
        )

    def contact_changed(self) -> ParticipantContactChanged:
        return ParticipantContactChanged(
            participant_id=self.id,
            preferred_language=self.preferred_language,
            personal=ParticipantContact(
                given_name=self.given_name,
                family_name=self.family_name,
                email=self.email,
                phone=self.phone,
                preferred_channel=self.preferred_channel,
            ),
        )

    def profile_updated(self, today: date) -> ParticipantProfileUpdated:
        return ParticipantProfileUpdated(
            participant_id=self.id,
            preferred_language=self.preferred_language,
            profile=self.matching_profile(today),
        )

    def registered(self, today: date) -> list[EventData]:
        """The contact first, so that notifications knows whom it greets."""
        return [
            self.contact_changed(),
            ParticipantRegistered(
                participant_id=self.id,
                preferred_language=self.preferred_language,
                profile=self.matching_profile(today),
            ),
        ]

    def changes(self, fields: set[str], today: date) -> list[EventData]:
        """The events an update of `fields` means: contact, profile, or both."""
        events: list[EventData] = []
        if fields & CONTACT_FIELDS:
            events.append(self.contact_changed())
        if fields & PROFILE_FIELDS:
            events.append(self.profile_updated(today))
        return events


#: The fields a request may set: all but the id.
SETTABLE_FIELDS = frozenset(f.name for f in fields(Participant)) - {"id"}


def _normal(name: str, value: object) -> object:
    """A field's value as the record keeps it: skills and availability once each, languages
    as the contract's type, no skill URIs as an empty map."""
    if name not in SETTABLE_FIELDS:
        raise ValueError(f"{name} is not a field of a participant")
    if value is None and name in NEVER_EMPTY:
        raise invalid(name, "may not be empty")
    if name == "languages" and isinstance(value, list):
        return [LanguageSkill.model_validate(x) for x in value]
    if name in ("skills", "availability") and isinstance(value, list):
        return list(dict.fromkeys(value))
    if name == "skill_uris" and value is None:
        return {}
    return value


def new_participant(
    participant_id: uuid.UUID, details: Mapping[str, object], matching_consent: bool
) -> Participant:
    """A participant registered with `details` (every field a registration sends)."""
    missing = [name for name in REQUIRED_FIELDS if name not in details]
    if missing:
        raise ValueError(f"a registration needs {missing}")
    p = Participant(id=participant_id, given_name="", family_name="", preferred_language="fi")
    p.apply(details)
    p.matching_consent = matching_consent
    p.check(details)
    return p
