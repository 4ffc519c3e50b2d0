"""Issue 17 in notifications: a coordinator registers for notices with the token that
`make token ROLE=coordinator` gives, and a person's language is `preferred_language` here as in
every service (`language` still taken), on real PostgreSQL and Kafka."""

from __future__ import annotations

import contextlib
import io
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import jwt
import pytest
from voimala_kit import devtoken
from voimala_kit.testing import auth, running_app
from voimala_notifications.bootstrap import bootstrap
from voimala_notifications.settings import Settings

from .conftest import FakeSms, SmtpServer


@pytest.fixture(scope="module")
async def client(
    service_settings: Callable[..., Awaitable[Settings]],
    smtp: SmtpServer,
    sms: FakeSms,
    group_at_end: Callable[[str], Awaitable[str]],
) -> AsyncIterator[httpx.AsyncClient]:
    settings = await service_settings(
        Settings,
        consumer_group=await group_at_end("staff-language"),
        smtp_port=smtp.port,
        sms_provider_url=sms.url,
    )
    async with running_app(bootstrap(settings)) as c:
        yield c


def _make_token(keys: Path, *args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert devtoken.main(["--keys", str(keys), *args]) == 0
    return out.getvalue().splitlines()[-1]


async def test_make_token_gives_a_coordinator_who_can_register_for_notices(
    client: httpx.AsyncClient, jwt_keys: tuple[Path, Path]
) -> None:
    made = _make_token(jwt_keys[0].parent, "--role", "coordinator")
    sub = jwt.decode(made, options={"verify_signature": False})["sub"]
    headers = auth(made)
    body = {"given_name": "Kaisa", "email": f"kaisa.{sub[:8]}@salo.example.fi", "language": "sv"}
    r = await client.put(f"/staff/{sub}", json=body, headers=headers)
    assert r.status_code == 204, r.text
    r = await client.get(f"/recipients/{sub}/preferences", headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["preferred_language"] == "sv"
    assert "language" not in r.json()


async def test_preferred_language_is_the_name_in_and_out(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    staff = uuid.uuid4()
    own = auth(token("coordinator", subject=str(staff)))
    body = {"given_name": "Kaisa", "email": f"kaisa.{staff.hex[:8]}@salo.example.fi"}
    r = await client.put(f"/staff/{staff}", json=body | {"preferred_language": "en"}, headers=own)
    assert r.status_code == 204, r.text
    url = f"/recipients/{staff}/preferences"
    assert (await client.get(url, headers=own)).json()["preferred_language"] == "en"
    r = await client.put(url, json={"preferred_language": "sv"}, headers=own)
    assert r.status_code == 200, r.text
    assert r.json()["preferred_language"] == "sv"
    r = await client.put(url, json={"language": "fi"}, headers=own)
    assert r.json()["preferred_language"] == "fi"
    r = await client.put(url, json={"language": "de"}, headers=own)
    assert r.status_code == 422
    r = await client.put(url, json={}, headers=own)
    assert r.status_code == 422
    assert "preferred_language" in r.text
