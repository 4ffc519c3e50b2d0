"""Staff sign-in through OpenID Connect: the portal's real client code against a real (small)
OpenID provider over HTTP, including the tokens an attacker or a broken provider would send."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx
import pytest

from .conftest import PUBLIC_URL, Browser, cookie_header
from .oidc_provider import CLIENT_ID, Provider


@pytest.fixture(autouse=True)
def _honest(provider: Provider) -> None:
    provider.mode = "ok"
    provider.next_person = {
        "sub": str(uuid.uuid4()),
        "name": "Sanna Koordinaattori",
        "roles": ["coordinator"],
    }


async def to_provider(client: httpx.AsyncClient, path: str = "/sign-in/staff") -> str:
    """Start a staff sign-in; returns the provider's authorize URL the portal sent us to."""
    r = await client.get(path)
    assert r.status_code == 303, r.text
    assert "HttpOnly" in cookie_header(r, "voimala_oidc")
    return str(r.headers["location"])


async def back_from_provider(authorize_url: str) -> str:
    """The provider signs the person in at once and sends the browser back: the callback's
    path and query on the portal."""
    async with httpx.AsyncClient() as http:
        r = await http.get(authorize_url)
    assert r.status_code == 302, r.text
    target = r.headers["location"]
    assert target.startswith(f"{PUBLIC_URL}/sign-in/staff/callback?")
    parts = urlsplit(target)
    return f"{parts.path}?{parts.query}"


async def test_a_coordinator_signs_in_with_pkce_state_and_nonce(
    browser: Browser, provider: Provider, db: asyncpg.Pool
) -> None:
    client = browser()
    authorize = await to_provider(client, "/sign-in/staff?next=/staff/report")
    asked = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(f"{provider.issuer}/authorize?")
    assert asked["client_id"] == [CLIENT_ID]
    assert asked["response_type"] == ["code"]
    assert asked["code_challenge_method"] == ["S256"]
    assert asked["redirect_uri"] == [f"{PUBLIC_URL}/sign-in/staff/callback"]
    assert "openid" in asked["scope"][0].split()
    assert len(asked["state"][0]) >= 32
    assert len(asked["nonce"][0]) >= 32
    r = await client.get(await back_from_provider(authorize))
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/staff/report"
    assert "HttpOnly" in cookie_header(r, "voimala_session")
    session = await db.fetchrow(
        "SELECT subject, role, org, display_name, via FROM session WHERE subject = $1",
        provider.next_person["sub"],
    )
    assert dict(session) == {
        "subject": provider.next_person["sub"],
        "role": "coordinator",
        "org": None,
        "display_name": "Sanna Koordinaattori",
        "via": "oidc",
    }
    # the OIDC state is used: the same answer again is refused
    assert await db.fetchval("SELECT count(*) FROM oidc_request") == 0


async def test_the_same_answer_twice_is_refused(browser: Browser) -> None:
    client = browser()
    callback = await back_from_provider(await to_provider(client))
    assert (await client.get(callback)).status_code == 303
    replay = browser()
    replay.cookies.set("voimala_oidc", parse_qs(urlsplit(callback).query)["state"][0])
    again = await replay.get(callback + "&lang=en")
    assert again.status_code == 400
    assert "Sign-in did not succeed" in again.text


async def test_an_answer_in_another_browser_is_refused(browser: Browser) -> None:
    # Login CSRF: an attacker's own callback URL pushed to a victim's browser does nothing.
    callback = await back_from_provider(await to_provider(browser()))
    victim = browser()
    r = await victim.get(callback)
    assert r.status_code == 400
    assert "voimala_session" not in victim.cookies


async def test_a_forged_id_token_is_refused(browser: Browser, provider: Provider) -> None:
    provider.mode = "forged"  # signed with a key the provider's JWKS does not hold
    client = browser()
    r = await client.get(await back_from_provider(await to_provider(client)) + "&lang=en")
    assert r.status_code == 400
    assert "Sign-in did not succeed" in r.text
    assert "voimala_session" not in client.cookies


async def test_an_id_token_with_another_nonce_is_refused(
    browser: Browser, provider: Provider
) -> None:
    provider.mode = "wrong_nonce"  # a token replayed from another sign-in
    client = browser()
    r = await client.get(await back_from_provider(await to_provider(client)))
    assert r.status_code == 400
    assert "voimala_session" not in client.cookies


@pytest.mark.parametrize(
    ("roles", "role"),
    [
        (["ops"], "ops"),
        (["counsellor", "ops"], "counsellor"),
        ("counsellor", "counsellor"),
        (["everyone", "coordinator"], "coordinator"),
    ],
)
async def test_the_role_comes_from_the_roles_claim(
    browser: Browser, provider: Provider, db: asyncpg.Pool, roles: object, role: str
) -> None:
    provider.next_person = {"sub": f"city-user-{uuid.uuid4().hex[:6]}", "roles": roles}
    client = browser()
    r = await client.get(await back_from_provider(await to_provider(client)))
    assert r.status_code == 303
    assert r.headers["location"] == {"ops": "/ops"}.get(role, "/staff")
    stored = await db.fetchrow("SELECT subject, role FROM session ORDER BY created_at DESC LIMIT 1")
    assert stored["role"] == role
    uuid.UUID(stored["subject"])  # a non-UUID `sub` becomes a stable UUID the services keep


async def test_a_person_with_no_staff_role_is_told_so(browser: Browser, provider: Provider) -> None:
    provider.next_person = {"sub": str(uuid.uuid4()), "roles": ["library"]}
    client = browser()
    r = await client.get(await back_from_provider(await to_provider(client)) + "&lang=en")
    assert r.status_code == 403
    assert "No access to the staff pages" in r.text
    assert "voimala_session" not in client.cookies


async def test_an_error_or_garbage_from_the_provider_is_a_page(browser: Browser) -> None:
    client = browser()
    authorize = await to_provider(client)
    state = parse_qs(urlsplit(authorize).query)["state"][0]
    for query in (
        f"error=access_denied&state={state}",
        f"code=nonsense&state={state}",
        "code=x",
        "state=" + "x" * 5000,
        "",
    ):
        r = await client.get(f"/sign-in/staff/callback?{query}")
        assert r.status_code == 400, query
        assert "<h1>" in r.text
