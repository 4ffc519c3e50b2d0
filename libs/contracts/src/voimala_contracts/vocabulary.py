"""The programme's skills vocabulary: one skill, whichever of fi/sv/en it is written in.

`skills.json` beside this module is maintained by hand (issue 14): each skill has an id (its
English label in lower case), labels and synonyms in Finnish, Swedish and English, a broader
skill, and an ESCO URI where one is known with confidence (empty otherwise). Matching compares
skills by `key` ("siivous", "städning" and "Cleaning" are all `cleaning`); a skill the
vocabulary does not know is kept as free text, lower-cased with its spaces collapsed, as
before. The portal offers the labels as suggestions and shows a skill in the reader's
language with `label`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

Lang = Literal["fi", "sv", "en"]
LANGS: tuple[Lang, ...] = ("fi", "sv", "en")


@dataclass(frozen=True)
class Skill:
    id: str
    labels: dict[str, str]
    synonyms: dict[str, tuple[str, ...]]
    broader: str | None = None
    esco: str = ""


def fold(text: str) -> str:
    """Case- and space-insensitive form of a skill as written."""
    return " ".join(text.lower().split())


@dataclass(frozen=True)
class Vocabulary:
    skills: dict[str, Skill]
    #: every folded id, label and synonym -> the skill's id
    forms: dict[str, str]

    def key(self, text: str) -> str:
        """The skill's id if the vocabulary knows the text, else the folded text itself."""
        folded = fold(text)
        return self.forms.get(folded, folded)

    def broader(self, key: str) -> list[str]:
        """The broader skills of a key, nearest first (none for free text)."""
        out: list[str] = []
        skill = self.skills.get(key)
        while skill is not None and skill.broader and skill.broader not in out:
            out.append(skill.broader)
            skill = self.skills.get(skill.broader)
        return out

    def label(self, key: str, lang: str = "fi") -> str:
        """The skill in the reader's language; free text as it is."""
        skill = self.skills.get(key)
        if skill is None:
            return key
        return skill.labels.get(lang) or skill.labels["en"]

    def written_forms(self, keys: Iterable[str]) -> list[str]:
        """Every folded form the given keys may have been stored under (labels, synonyms)."""
        wanted = set(keys)
        return sorted(wanted | {form for form, key in self.forms.items() if key in wanted})

    def suggestions(self, lang: str = "fi") -> list[str]:
        """The labels in one language, sorted: what a form offers while typing."""
        return sorted({self.label(k, lang) for k in self.skills}, key=str.casefold)


def _skill(raw: dict[str, object]) -> Skill:
    labels = raw["labels"]
    synonyms = raw.get("synonyms") or {}
    assert isinstance(labels, dict)
    assert isinstance(synonyms, dict)
    broader = raw.get("broader")
    return Skill(
        id=str(raw["id"]),
        labels={str(k): str(v) for k, v in labels.items()},
        synonyms={str(k): tuple(str(s) for s in v) for k, v in synonyms.items()},
        broader=str(broader) if broader else None,
        esco=str(raw.get("esco") or ""),
    )


def build(entries: Iterable[dict[str, object]]) -> Vocabulary:
    """A vocabulary from raw entries; a form naming two skills is an error."""
    skills: dict[str, Skill] = {}
    forms: dict[str, str] = {}
    for raw in entries:
        skill = _skill(raw)
        if skill.id in skills:
            raise ValueError(f"skill {skill.id!r} twice")
        skills[skill.id] = skill
        written = [skill.id, *skill.labels.values()]
        written += [s for names in skill.synonyms.values() for s in names]
        for form in map(fold, written):
            if forms.setdefault(form, skill.id) != skill.id:
                raise ValueError(f"{form!r} names both {forms[form]!r} and {skill.id!r}")
    for skill in skills.values():
        if skill.broader and skill.broader not in skills:
            raise ValueError(f"{skill.id!r}: unknown broader skill {skill.broader!r}")
    return Vocabulary(skills=skills, forms=forms)


#: The vocabulary's skill of speaking each language (by ISO 639 code): what a series teaching
#: the language names in its `teaches` ("suomen kieli", "Finnish", ...), so that a language
#: level below an opening's is a missing skill with next steps too (matching, issue 14).
LANGUAGE_SKILLS = {
    "fi": "finnish",
    "sv": "swedish",
    "en": "english",
    "ru": "russian",
    "uk": "ukrainian",
    "ar": "arabic",
    "et": "estonian",
}


def language_skill(code: str) -> str | None:
    """The vocabulary's key of speaking the language `code`; None if it has none."""
    return LANGUAGE_SKILLS.get(code.strip().lower())


@cache
def vocabulary() -> Vocabulary:
    """The programme's vocabulary (`skills.json`), read once per process."""
    text = resources.files(__package__).joinpath("skills.json").read_text(encoding="utf-8")
    return build(json.loads(text)["skills"])
