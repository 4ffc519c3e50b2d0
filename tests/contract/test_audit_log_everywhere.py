"""Every service answers `GET /audit-log` in the same shape, and only to coordinators (issue 11
E): together they are everything done with one person's data. The answers themselves, on the
real database, are the kit's tests (libs/kit/tests/test_audit.py); here, that each service
has the endpoint and refuses everyone else before reading anything."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from voimala_kit import TokenVerifier
from voimala_kit.testing import PROBLEM_JSON, auth

from .test_openapi_unchanged import SERVICES


@dataclass
class _Platform:
    """All a refusal needs of the running service: its token check (no database is reached)."""

    verifier: TokenVerifier


def _operation(app: FastAPI) -> dict[str, Any]:
    operation: dict[str, Any] = app.openapi()["paths"]["/audit-log"]["get"]
    return operation


@pytest.mark.filterwarnings("ignore:Duplicate Operation ID")
def test_every_service_documents_the_same_audit_log() -> None:
    shapes = {}
    for name, bootstrap in SERVICES.items():
        app = bootstrap()
        operation = _operation(app)
        page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        entry = app.openapi()["components"]["schemas"]["AuditLogEntry"]
        shapes[name] = (operation["parameters"], page, entry)
    assert len(set(map(repr, shapes.values()))) == 1, shapes
    parameters, _, entry = shapes["participants"]
    assert [(p["name"], p["required"]) for p in parameters] == [
        ("participant_id", True),
        ("cursor", False),
        ("limit", False),
    ]
    assert set(entry["properties"]) == {
        "at",
        "actor",
        "actor_roles",
        "action",
        "purpose",
        "service",
    }


@pytest.mark.filterwarnings("ignore:Duplicate Operation ID")
@pytest.mark.parametrize("name", sorted(SERVICES))
async def test_only_coordinators_may_read_the_audit_log(
    name: str, jwt_keys: tuple[Path, Path], token: Callable[..., str]
) -> None:
    app = SERVICES[name]()
    app.state.platform = _Platform(TokenVerifier.from_file(jwt_keys[1], "voimala-dev", "voimala"))
    where = f"/audit-log?participant_id={uuid.uuid4()}"
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        for role in ("counsellor", "ops", "participant", "employer", "mentor"):
            refused = await client.get(where, headers=auth(token(role)))
            assert refused.status_code == 403, (role, refused.text)
            assert refused.headers["content-type"] == PROBLEM_JSON
            assert "coordinator" in refused.json()["detail"]
        assert (await client.get(where)).status_code == 401
        coordinator = auth(token("coordinator"))
        bad = await client.get("/audit-log?participant_id=someone", headers=coordinator)
        assert bad.status_code == 422
