"""The HTTP API's models. Input models forbid unknown fields: a typo is an error, not ignored."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints
from voimala_contracts import LanguageSkill

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Phone = Annotated[str, StringConstraints(pattern=r"^\+[1-9][0-9]{6,14}$")]
Skill = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class ParticipantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    given_name: Name
    family_name: Name
    email: EmailStr | None = None
    phone: Phone | None = Field(None, description="E.164, e.g. +358401234567")
    preferred_language: Literal["fi", "sv", "en"] = "fi"
    birth_year: int | None = Field(None, ge=1900, le=2100)
    municipality: Annotated[str, StringConstraints(max_length=100)] | None = None
    skills: list[Skill] = Field(default_factory=list, max_length=100)
    languages: list[LanguageSkill] = Field(default_factory=list, max_length=20)
    matching_consent: bool = False


class ParticipantOut(BaseModel):
    id: uuid.UUID
    given_name: str
    family_name: str
    email: str | None
    phone: str | None
    preferred_language: str
    birth_year: int | None
    youth: bool
    municipality: str | None
    skills: list[str]
    languages: list[LanguageSkill]
    matching_consent: bool
    status: str
    created_at: datetime
