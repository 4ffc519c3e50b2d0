"""Use cases, run inside the transaction their entrypoint opened (consumer or request)."""

from .actions import AlreadyAnswered, answer_proposal, settle_proposal
from .contacts import (
    forget_exited,
    keep_consent,
    keep_contact,
    keep_mentor,
    keep_partner,
)
from .deps import Deps
from .notify import notify, welcome_participant

__all__ = [
    "AlreadyAnswered",
    "Deps",
    "answer_proposal",
    "forget_exited",
    "keep_consent",
    "keep_contact",
    "keep_mentor",
    "keep_partner",
    "notify",
    "settle_proposal",
    "welcome_participant",
]
