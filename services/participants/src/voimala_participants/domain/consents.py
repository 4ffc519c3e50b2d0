"""Consent per purpose: every grant and withdrawal is a record; the newest per purpose holds."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from voimala_contracts.participants import ConsentPurpose
from voimala_kit.refusals import invalid

#: The version of the consent texts shown now (fi/sv/en share one version).
CONSENT_TEXT_VERSION = "2026-01"


@dataclass(frozen=True, slots=True)
class Consent:
    """One consent given or withdrawn, as recorded (never changed afterwards)."""

    participant_id: uuid.UUID
    purpose: str
    granted: bool
    text_version: str
    recorded_by: str
    recorded_at: datetime


def in_force(history: Sequence[Consent]) -> list[Consent]:
    """The newest record per purpose, from a history that is newest first."""
    seen: dict[str, Consent] = {}
    for record in history:
        seen.setdefault(record.purpose, record)
    return list(seen.values())


def on_registration(
    given: Mapping[ConsentPurpose, bool], matching_consent: bool | None
) -> dict[ConsentPurpose, bool]:
    """The consents a registration records, registry first: it is implied by registering and
    cannot be refused; `matching_consent` is shorthand for `given["matching"]`."""
    if given.get("registry") is False:
        raise invalid("consents", "the registry consent is required to register")
    consents: dict[ConsentPurpose, bool] = dict(given)
    if matching_consent is not None:
        if consents.get("matching", matching_consent) != matching_consent:
            raise invalid("matching_consent", "disagrees with consents.matching")
        consents["matching"] = matching_consent
    return {"registry": True, **consents}
