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
    ParticipantRegistered,
)

#: Under 30 is the programme's youth target group.
YOUTH_UNDER = 30


def is_youth(birth_year: int | None, today: date) -> bool:
    # By birth year only, the age reached this year: the programme counts youth by year.
    return birth_year is not None and today.year - birth_year < YOUTH_UNDER


@dataclass
class Participant:
    id: uuid.UUID
    given_name: str
    family_name: str
    preferred_language: str
    email: str | None = None
    phone: str | None = None
    birth_year: int | None = None
    municipality: str | None = None
    skills: list[str] = field(default_factory=list)
    languages: list[LanguageSkill] = field(default_factory=list)
    matching_consent: bool = False
    status: str = "active"

    def matching_profile(self, today: date) -> MatchingProfile:
        """What matching may know: skills and circumstances, never who the person is."""
        return MatchingProfile(
            skills=self.skills,
            languages=self.languages,
            municipality=self.municipality,
            youth=is_youth(self.birth_year, today),
            matching_consent=self.matching_consent,
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
            ),
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
