"""Programme ideas: those asking for the same thing count together."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

_NOT_WORD = re.compile(r"[\W_]+")


def theme_of(text: str) -> str:
    """Ideas asking for the same thing group together: case, punctuation and spacing aside."""
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())[:200]


@dataclass(frozen=True, slots=True)
class Idea:
    """A row of `idea`: as `idea.submitted.v1` brought it, and the series that realised it."""

    id: uuid.UUID
    text: str
    theme: str
    language: str
    author_participant_id: uuid.UUID | None
    submitted_at: datetime
    series_id: uuid.UUID | None = None
