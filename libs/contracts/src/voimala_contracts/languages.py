"""One shape for languages everywhere: a person's `preferred_language`, and `{code, level}`.

A participant's language skill, an opening's language requirement (its `level` is the least it
asks) and a mentor's language are all `LanguageSkill`: `{"code": "fi", "level": "B1"}`. Every
service answers in this shape. Older shapes are still accepted on input, where clients may send
them: `min_level` for `level` (an opening's requirement, as it was named), a bare code
(`"fi"`) for a mentor's language (whose level is then not stated: null), and `language` for
`preferred_language` (notifications' staff and preferences bodies, as they were named).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

Language = Literal["fi", "sv", "en"]
CefrLevel = Literal["A1", "A2", "B1", "B2", "C1", "C2", "native"]

#: The names a level is accepted by: `level`, and `min_level` (an opening's, as it was named).
LEVEL_NAMES = AliasChoices("level", "min_level")
#: The names a person's language is accepted by: `preferred_language`, and `language` (old).
PREFERRED_LANGUAGE_NAMES = AliasChoices("preferred_language", "language")

_CODE = Field(
    min_length=2,
    max_length=3,
    pattern=r"^[a-z]{2,3}$",
    description="ISO 639 language code, lower case, e.g. fi, sv, en, ar",
)


def preferred_language(default: Language = "fi") -> Any:
    """The field of a person's language in an input body: `preferred_language`, `language` too."""
    return Field(
        default,
        validation_alias=PREFERRED_LANGUAGE_NAMES,
        description="the person's language for messages and pages (also accepted as `language`)",
    )


def _from_bare_code(value: Any) -> Any:
    """`"FI"` is `{"code": "fi"}`; a dict's code is trimmed and lower-cased."""
    if isinstance(value, str):
        return {"code": value.strip().lower()}
    if isinstance(value, dict) and isinstance(value.get("code"), str):
        return value | {"code": value["code"].strip().lower()}
    return value


class LanguageSkill(BaseModel):
    """A language and a CEFR level: a participant's skill, or an opening's requirement (the
    least level it asks; accepted as `min_level` too)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    code: str = _CODE
    level: CefrLevel = Field(
        validation_alias=LEVEL_NAMES,
        description="CEFR level or native; for a requirement the least it asks "
        "(accepted as `min_level` too)",
    )

    @model_validator(mode="before")
    @classmethod
    def _shapes(cls, value: Any) -> Any:
        return _from_bare_code(value)


#: An opening's language requirement: the same shape, `level` the least it asks.
LanguageRequirement = LanguageSkill


class MentorLanguage(LanguageSkill):
    """A language a mentor mentors in: the same shape, a bare code accepted (level null)."""

    level: CefrLevel | None = Field(  # type: ignore[assignment]
        None,
        validation_alias=LEVEL_NAMES,
        description="CEFR level or native; null when not stated (a bare code was sent)",
    )


class LanguageSkillIn(LanguageSkill):
    """`LanguageSkill` in a request body: an unknown field is an error, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class MentorLanguageIn(MentorLanguage):
    """`MentorLanguage` in a request body: an unknown field is an error, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)
