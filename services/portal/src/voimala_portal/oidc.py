"""Staff sign-in through the city's identity provider: OpenID Connect, authorization code with
PKCE (S256), state and nonce; the ID token verified against the provider's JWKS.

Authlib gives the OIDC pieces (PKCE challenge, the ID token's claims rules: issuer, audience,
expiry, nonce, azp, at_hash); joserfc (Authlib's JOSE) verifies the signature. The HTTP is the
portal's own httpx client, so nothing here holds state but a cache of the provider's metadata.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]
from authlib.oidc.core import CodeIDToken  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from .settings import Settings

#: Staff roles a session may hold, the widest first: a person with several gets the first.
STAFF_ROLES = ("coordinator", "counsellor", "ops")
#: The provider's metadata and keys are fetched again after this long (keys rotate).
METADATA_SECONDS = 3600.0
CALLBACK = "/sign-in/staff/callback"


class OidcError(Exception):
    """The sign-in did not succeed. `reason` is safe to log: no token, no claim values."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NoStaffRoleError(Exception):
    """A real, verified person of the city who holds none of the staff roles."""


@dataclass(frozen=True)
class StaffIdentity:
    subject: str
    role: str
    display_name: str


@dataclass
class _Provider:
    metadata: dict[str, Any]
    jwks: dict[str, Any] | None
    fetched: float


_providers: dict[str, _Provider] = {}


def new_secrets() -> tuple[str, str, str]:
    """state, nonce and PKCE code verifier of one sign-in."""
    return secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48)


def redirect_uri(settings: Settings) -> str:
    return settings.public_url.rstrip("/") + CALLBACK


async def _provider(settings: Settings, http: httpx.AsyncClient) -> _Provider:
    issuer = (settings.oidc_issuer or "").rstrip("/")
    known = _providers.get(issuer)
    if known is not None and time.monotonic() - known.fetched < METADATA_SECONDS:
        return known
    try:
        response = await http.get(f"{issuer}/.well-known/openid-configuration")
        response.raise_for_status()
        metadata = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcError(f"discovery failed: {type(exc).__name__}") from None
    if not isinstance(metadata, dict) or metadata.get("issuer", "").rstrip("/") != issuer:
        raise OidcError("discovery document names another issuer")
    for needed in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(metadata.get(needed), str):
            raise OidcError(f"discovery document has no {needed}")
    found = _Provider(metadata, None, time.monotonic())
    _providers[issuer] = found
    return found


async def _keys(provider: _Provider, http: httpx.AsyncClient, force: bool = False) -> KeySet:
    if provider.jwks is None or force:
        try:
            response = await http.get(provider.metadata["jwks_uri"])
            response.raise_for_status()
            provider.jwks = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise OidcError(f"JWKS fetch failed: {type(exc).__name__}") from None
    try:
        return KeySet.import_key_set(provider.jwks)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError):
        raise OidcError("JWKS unreadable") from None


async def authorization_url(
    settings: Settings, http: httpx.AsyncClient, state: str, nonce: str, verifier: str
) -> str:
    provider = await _provider(settings, http)
    params = {
        "response_type": "code",
        "client_id": settings.oidc_client_id or "",
        "redirect_uri": redirect_uri(settings),
        "scope": "openid profile email",
        "state": state,
        "nonce": nonce,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    endpoint: str = provider.metadata["authorization_endpoint"]
    return endpoint + ("&" if "?" in endpoint else "?") + urlencode(params)


async def _exchange(
    settings: Settings, http: httpx.AsyncClient, provider: _Provider, code: str, verifier: str
) -> dict[str, Any]:
    try:
        response = await http.post(
            provider.metadata["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri(settings),
                "code_verifier": verifier,
            },
            # client_secret_basic: the default every provider supports.
            auth=(settings.oidc_client_id or "", settings.oidc_client_secret or ""),
            headers={"Accept": "application/json"},
        )
    except httpx.HTTPError as exc:
        raise OidcError(f"token request failed: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise OidcError(f"token endpoint answered {response.status_code}")
    try:
        tokens = response.json()
    except ValueError:
        raise OidcError("token answer is not JSON") from None
    if not isinstance(tokens, dict) or not isinstance(tokens.get("id_token"), str):
        raise OidcError("token answer has no ID token")
    return tokens


def _claim(claims: dict[str, Any], path: str) -> Any:
    """A claim by a dotted path (`roles`, or Keycloak's `realm_access.roles`)."""
    value: Any = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


async def identify(
    settings: Settings, http: httpx.AsyncClient, code: str, verifier: str, nonce: str
) -> StaffIdentity:
    """Exchange the code, verify the ID token, and read who it is and their staff role."""
    provider = await _provider(settings, http)
    tokens = await _exchange(settings, http, provider, code, verifier)
    algorithms = provider.metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    # Never "none", never a symmetric algorithm keyed by something public.
    algorithms = [a for a in algorithms if a.startswith(("RS", "PS", "ES", "Ed"))]
    registry = JWSRegistry(algorithms=algorithms)
    try:
        try:
            token = jwt.decode(tokens["id_token"], await _keys(provider, http), registry=registry)
        except InvalidKeyIdError:  # the provider rotated its keys since we fetched them
            keys = await _keys(provider, http, force=True)
            token = jwt.decode(tokens["id_token"], keys, registry=registry)
        issuer = provider.metadata["issuer"]
        claims = CodeIDToken(
            token.claims,
            token.header,
            {
                "iss": {"essential": True, "value": issuer},
                "aud": {"essential": True, "value": settings.oidc_client_id},
            },
            {
                "nonce": nonce,
                "client_id": settings.oidc_client_id,
                "access_token": tokens.get("access_token"),
            },
        )
        claims.validate(leeway=60)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise OidcError(f"ID token refused: {type(exc).__name__}") from None
    if claims.get("nonce") != nonce:  # also when the provider left the nonce out
        raise OidcError("ID token refused: nonce")
    held = _claim(dict(claims), settings.oidc_roles_claim)
    roles = {held} if isinstance(held, str) else set(held) if isinstance(held, list) else set()
    role = next((r for r in STAFF_ROLES if r in roles), None)
    if role is None:
        raise NoStaffRoleError
    sub = str(claims["sub"])
    name = claims.get("name") or claims.get("preferred_username") or ""
    return StaffIdentity(_subject(issuer, sub), role, str(name)[:200])


def _subject(issuer: str, sub: str) -> str:
    """The services keep staff subjects as UUIDs (audit, registered_by): a provider's `sub`
    that is one is kept; any other is turned into a stable UUID of (issuer, sub)."""
    try:
        return str(uuid.UUID(sub))
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{issuer}#{sub}"))
