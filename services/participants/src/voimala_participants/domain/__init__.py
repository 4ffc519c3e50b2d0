"""Pure rules of the programme: no I/O. The participant, who counts as youth and who belongs
to the target groups, consent, visits, and the figures of a report."""

from .age import YOUTH_UNDER, AgeGroup, YouthLimit, age_group, age_on, is_youth, youth_limit
from .consents import CONSENT_TEXT_VERSION, Consent, in_force, on_registration
from .eligibility import SUBSIDY_LONG, SUBSIDY_MEDIUM, target_group
from .limits import HourlyLimit
from .participant import (
    CEFR_ORDER,
    CONTACT_FIELDS,
    PROFILE_FIELDS,
    STAFF_ONLY_FIELDS,
    Gender,
    Participant,
    new_participant,
)
from .visits import VisitPurpose, check_visit

__all__ = [
    "CEFR_ORDER",
    "CONSENT_TEXT_VERSION",
    "CONTACT_FIELDS",
    "PROFILE_FIELDS",
    "STAFF_ONLY_FIELDS",
    "SUBSIDY_LONG",
    "SUBSIDY_MEDIUM",
    "YOUTH_UNDER",
    "AgeGroup",
    "Consent",
    "Gender",
    "HourlyLimit",
    "Participant",
    "VisitPurpose",
    "YouthLimit",
    "age_group",
    "age_on",
    "check_visit",
    "in_force",
    "is_youth",
    "new_participant",
    "on_registration",
    "target_group",
    "youth_limit",
]
