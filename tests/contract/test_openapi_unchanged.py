"""The services' OpenAPI documents are what they were before the services were reshaped.

The documents in `openapi/` were written from the services as they stood before issue 12's
reshaping; the reshaping changes no behaviour, so the documents must stay the same. A change
to an API made on purpose updates its file (`python tests/contract/test_openapi_unchanged.py`)
in the same commit, where a reviewer sees it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from voimala_matching.bootstrap import bootstrap as matching
from voimala_notifications.bootstrap import bootstrap as notifications
from voimala_participants.bootstrap import bootstrap as participants
from voimala_scheduling.bootstrap import bootstrap as events

HERE = Path(__file__).parent / "openapi"
SERVICES: dict[str, Callable[[], FastAPI]] = {
    "participants": participants,
    "events": events,
    "matching": matching,
    "notifications": notifications,
}


def _document(name: str) -> str:
    doc = SERVICES[name]().openapi()
    return json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.filterwarnings("ignore:Duplicate Operation ID")
@pytest.mark.parametrize("name", sorted(SERVICES))
def test_openapi_document_is_unchanged(name: str) -> None:
    expected = json.loads((HERE / f"{name}.json").read_text())
    assert json.loads(_document(name)) == expected


if __name__ == "__main__":  # write the documents anew, after a deliberate API change
    for service in sys.argv[1:] or sorted(SERVICES):
        (HERE / f"{service}.json").write_text(_document(service))
