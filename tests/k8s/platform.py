"""What the code says the platform is: its services, their packages, settings, topics and
subscriptions, read by importing the packages (services/ is never edited from here)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import AliasChoices
from voimala_contracts import topics

#: service -> Python package (deploy/Dockerfile's PACKAGE).
PACKAGES = {
    "participants": "voimala_participants",
    "events": "voimala_scheduling",
    "matching": "voimala_matching",
    "notifications": "voimala_notifications",
    "portal": "voimala_portal",
}


@dataclass(frozen=True)
class Service:
    name: str
    package: str
    settings: Any  # the service's Settings class (a voimala_kit ServiceSettings)

    @property
    def prefix(self) -> str:
        return f"{self.name.upper()}_"

    @property
    def port(self) -> int:
        return int(self.settings.model_fields["port"].default)

    @property
    def subscribes(self) -> list[str]:
        return list(importlib.import_module(f"{self.package}.consumer").SUBSCRIBE)

    @property
    def produces(self) -> str:
        return topics.BY_SERVICE[self.name]

    @property
    def dead_letters(self) -> str:
        return topics.dead_letter(self.name)

    @property
    def environment(self) -> set[str]:
        """Every variable the service's settings read."""
        names = set()
        for field, info in self.settings.model_fields.items():
            alias = info.validation_alias
            if isinstance(alias, AliasChoices):
                names |= {str(a) for a in alias.choices}
            elif isinstance(alias, str):
                names.add(alias)
            else:
                names.add(f"{self.prefix}{field.upper()}")
        return names


@cache
def services() -> dict[str, Service]:
    assert set(PACKAGES) == set(topics.BY_SERVICE), "a service without a package here"
    return {
        name: Service(name, pkg, importlib.import_module(f"{pkg}.settings").Settings)
        for name, pkg in PACKAGES.items()
    }
