"""The participant as the programme sees it. Pure: no I/O; it says which events happened."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

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

#: Under 30 is the programme's youth target group.
YOUTH_UNDER = 30
#: Subsidy days that put a job seeker in the programme's target groups.
SUBSIDY_LONG = 500
SUBSIDY_MEDIUM = 300
#: CEFR levels from the lowest; "native" above them all.
CEFR_ORDER = ("A1", "A2", "B1", "B2", "C1", "C2", "native")
#: The version of the consent texts shown now (fi/sv/en share one version).
CONSENT_TEXT_VERSION = "2026-01"
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


def age_on(birth_year: int | None, today: date, birth_date: date | None = None) -> int | None:
    """Age in whole years; with only a year known, the age reached this year."""
    if birth_date is not None:
        before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
        return today.year - birth_date.year - before_birthday
    if birth_year is not None:
        return today.year - birth_year
    return None


def is_youth(birth_year: int | None, today: date, birth_date: date | None = None) -> bool:
    age = age_on(birth_year, today, birth_date)
    return age is not None and age < YOUTH_UNDER


def age_group(birth_year: int | None, today: date, birth_date: date | None = None) -> str:
    """The ESF age bands: under 30 (the youth group), 30-54, 55 and over."""
    age = age_on(birth_year, today, birth_date)
    if age is None:
        return "unknown"
    if age < YOUTH_UNDER:
        return "under_30"
    return "30_54" if age < 55 else "55_plus"


def target_group(subsidy_days: int | None, referral_reason: str | None) -> TargetGroup | None:
    """Days on labour-market subsidy decide the group; otherwise a staff referral with a reason."""
    if subsidy_days is not None and subsidy_days >= SUBSIDY_LONG:
        return "subsidy_500_plus"
    if subsidy_days is not None and subsidy_days >= SUBSIDY_MEDIUM:
        return "subsidy_300_499"
    if referral_reason:
        return "referred_by_staff"
    return None


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

    def age_group(self, today: date) -> str:
        return age_group(self.birth_year, today, self.birth_date)

    def search_text(self) -> str:
        """What free-text search looks in: names, e-mail and skills."""
        parts = [self.given_name, self.family_name, self.email or "", *self.skills]
        return " ".join(p for p in parts if p).lower()

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
