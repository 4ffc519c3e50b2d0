from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from voimala_kit import Principal, TokenVerifier, issue_token, require
from voimala_kit.auth import generate_keys
from voimala_kit.http import Problem, install_http

router = APIRouter()


@router.get("/staff-only")
async def staff_only(who: Annotated[Principal, Depends(require("coordinator"))]) -> dict[str, str]:
    return {"subject": who.subject}


@pytest.fixture
async def client(jwt_keys: tuple[Path, Path]) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_http(app, "authtest")
    app.include_router(router)

    class State:
        verifier = TokenVerifier.from_file(jwt_keys[1], "voimala-dev", "voimala")

    app.state.platform = State()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


def _b64(part: dict[str, object] | bytes) -> str:
    raw = part if isinstance(part, bytes) else json.dumps(part).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _compact(header: dict[str, object], claims: dict[str, object], signature: bytes) -> str:
    return f"{_b64(header)}.{_b64(claims)}.{_b64(signature)}"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_valid_token_with_the_role_passes(client: httpx.AsyncClient, token) -> None:  # type: ignore[no-untyped-def]
    r = await client.get("/staff-only", headers=_bearer(token("coordinator", subject="c-1")))
    assert r.status_code == 200
    assert r.json() == {"subject": "c-1"}


async def test_no_token_is_401_with_problem_details(client: httpx.AsyncClient) -> None:
    r = await client.get("/staff-only")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert r.json()["status"] == 401


async def test_a_token_signed_by_another_key_is_401(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    other_private, _ = generate_keys(tmp_path)
    forged = issue_token(other_private.read_bytes(), role="coordinator")
    assert (await client.get("/staff-only", headers=_bearer(forged))).status_code == 401


async def test_alg_none_and_hs256_with_the_public_key_are_401(
    client: httpx.AsyncClient, jwt_keys: tuple[Path, Path]
) -> None:
    claims = {
        "iss": "voimala-dev",
        "aud": "voimala",
        "sub": "x",
        "roles": ["coordinator"],
        "iat": 1_900_000_000,
        "exp": 4_000_000_000,
    }
    unsigned = _compact({"alg": "none", "typ": "JWT"}, claims, b"")
    # The classic confusion attack: the public key used as an HMAC secret.
    header = {"alg": "HS256", "typ": "JWT"}
    signing_input = f"{_b64(header)}.{_b64(claims)}".encode()
    mac = hmac.new(jwt_keys[1].read_bytes(), signing_input, hashlib.sha256).digest()
    confused = _compact(header, claims, mac)
    for forged in (unsigned, confused):
        assert (await client.get("/staff-only", headers=_bearer(forged))).status_code == 401


async def test_wrong_issuer_audience_or_expired_is_401(
    client: httpx.AsyncClient, jwt_keys: tuple[Path, Path]
) -> None:
    key = jwt_keys[0].read_bytes()
    tokens = [
        issue_token(key, role="coordinator", issuer="someone-else"),
        issue_token(key, role="coordinator", audience="another-api"),
        issue_token(key, role="coordinator", lifetime=timedelta(seconds=-60)),
    ]
    for t in tokens:
        assert (await client.get("/staff-only", headers=_bearer(t))).status_code == 401


async def test_a_role_that_may_not_is_403(client: httpx.AsyncClient, token) -> None:  # type: ignore[no-untyped-def]
    r = await client.get("/staff-only", headers=_bearer(token("participant")))
    assert r.status_code == 403
    assert r.json()["title"] == "Forbidden"


async def test_a_remembered_token_is_refused_once_it_expires(
    client: httpx.AsyncClient, jwt_keys: tuple[Path, Path]
) -> None:
    # Verified tokens are remembered; the expiry still holds for a remembered one.
    t = issue_token(jwt_keys[0].read_bytes(), role="coordinator", lifetime=timedelta(seconds=2))
    assert (await client.get("/staff-only", headers=_bearer(t))).status_code == 200
    assert (await client.get("/staff-only", headers=_bearer(t))).status_code == 200
    await asyncio.sleep(2.1)
    r = await client.get("/staff-only", headers=_bearer(t))
    assert r.status_code == 401
    assert "ExpiredSignatureError" in r.json()["detail"]


async def test_a_token_differing_in_one_signature_byte_from_a_remembered_one_is_401(
    client: httpx.AsyncClient, jwt_keys: tuple[Path, Path]
) -> None:
    t = issue_token(jwt_keys[0].read_bytes(), role="coordinator")
    assert (await client.get("/staff-only", headers=_bearer(t))).status_code == 200
    head, claims, signature = t.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[0] ^= 1
    forged = f"{head}.{claims}.{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}"
    assert (await client.get("/staff-only", headers=_bearer(forged))).status_code == 401


async def test_a_scheme_other_than_bearer_is_401(
    client: httpx.AsyncClient, jwt_keys: tuple[Path, Path]
) -> None:
    t = issue_token(jwt_keys[0].read_bytes(), role="coordinator")
    r = await client.get("/staff-only", headers={"Authorization": f"Basic {t}"})
    assert r.status_code == 401


def test_a_second_trusted_key_is_accepted_and_an_untrusted_one_is_not(
    jwt_keys: tuple[Path, Path], tmp_path: Path
) -> None:
    # The portal signs with a key of its own, which the services trust beside the first one.
    portal_private, portal_public = generate_keys(tmp_path / "portal")
    stranger_private, _ = generate_keys(tmp_path / "stranger")
    verifier = TokenVerifier.from_file(
        jwt_keys[1], "voimala-dev", "voimala", extra=(portal_public,)
    )
    first = issue_token(jwt_keys[0].read_bytes(), role="ops", subject="a")
    portal = issue_token(portal_private.read_bytes(), role="mentor", subject="b")
    assert verifier.verify(first).subject == "a"
    assert verifier.verify(portal).roles == frozenset({"mentor"})
    with pytest.raises(Problem) as refused:
        verifier.verify(issue_token(stranger_private.read_bytes(), role="ops"))
    assert refused.value.status == 401


async def test_a_refusal_names_the_roles_that_may(client: httpx.AsyncClient, token) -> None:  # type: ignore[no-untyped-def]
    r = await client.get("/staff-only", headers=_bearer(token("ops")))
    assert r.status_code == 403
    assert r.json()["allowed_roles"] == ["coordinator"]
    assert "coordinator" in r.json()["detail"]


def test_a_development_token_without_a_subject_gets_a_uuid(jwt_keys: tuple[Path, Path]) -> None:
    token = issue_token(jwt_keys[0].read_bytes(), role="coordinator")
    verifier = TokenVerifier.from_file(jwt_keys[1], "voimala-dev", "voimala")
    uuid.UUID(verifier.verify(token).subject)
