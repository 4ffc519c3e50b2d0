from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel
from voimala_contracts import LanguageSkill


class ProfileOut(BaseModel):
    """A participant as matching sees them: pseudonymous."""

    participant_id: uuid.UUID
    skills: list[str]
    languages: list[LanguageSkill]
    municipality: str | None
    youth: bool
    matching_consent: bool
    updated_at: datetime
