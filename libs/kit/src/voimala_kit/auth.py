"""Bearer JWT authentication with roles (RS256 only; issuer and audience checked)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from .clock import SystemClock
from .http import Problem

__all__ = [
    "ROLES",
    "Principal",
    "Role",
    "TokenVerifier",
    "authenticate",
    "authenticate_if_sent",
    "generate_keys",
    "issue_token",
    "require",
]

Role = Literal["coordinator", "counsellor", "employer", "mentor", "participant", "ops"]
ROLES: frozenset[str] = frozenset(get_args(Role))
STAFF: tuple[Role, ...] = ("coordinator", "counsellor")
_ALGORITHMS = ["RS256"]  # the only one accepted: never "none", never HS* with a public key
#: Verified tokens remembered (a client sends the same token with every request; verifying an
#: RS256 signature and the claims costs more than the rest of a cheap read).
_CACHE_SIZE = 4096


@dataclass(frozen=True)
class Principal:
    """Who calls: the token's subject, roles and (for employers) partner organisation."""

    subject: str
    roles: frozenset[str]
    org: str | None = None

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


class TokenVerifier:
    """Verifies tokens signed by any of the trusted keys: the identity provider's (or in
    development the `make token` key) and the portal's, which mints tokens for signed-in people.
    """

    def __init__(
        self, public_key_pem: bytes, issuer: str, audience: str, *extra_keys_pem: bytes
    ) -> None:
        self._keys = [
            serialization.load_pem_public_key(pem) for pem in (public_key_pem, *extra_keys_pem)
        ]
        self._issuer = issuer
        self._audience = audience
        # token -> (principal, expiry as a Unix time); the key is the whole signed token.
        self._verified: dict[str, tuple[Principal, float]] = {}

    @classmethod
    def from_file(
        cls, path: Path, issuer: str, audience: str, extra: tuple[Path, ...] = ()
    ) -> TokenVerifier:
        return cls(path.read_bytes(), issuer, audience, *(p.read_bytes() for p in extra))

    def verify(self, token: str) -> Principal:
        """The caller of a valid token; a token seen before is not verified again until it
        expires (then it is refused like any expired token)."""
        known = self._verified.get(token)
        if known is not None:
            if time.time() < known[1]:
                return known[0]
            del self._verified[token]
        principal, expires = self._verify(token)
        if len(self._verified) >= _CACHE_SIZE:
            self._verified.pop(next(iter(self._verified)))  # the oldest entry
        self._verified[token] = (principal, expires)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        claims: dict[str, Any] | None = None
        for key in self._keys:
            try:
                claims = jwt.decode(
                    token,
                    key,  # type: ignore[arg-type]
                    algorithms=_ALGORITHMS,
                    issuer=self._issuer,
                    audience=self._audience,
                    options={"require": ["exp", "iat", "sub", "iss", "aud"]},
                )
                break
            except jwt.InvalidSignatureError:
                continue  # perhaps signed by the next trusted key
            except jwt.PyJWTError as exc:
                raise _unauthorized(type(exc).__name__) from None
        if claims is None:
            raise _unauthorized("InvalidSignatureError")
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or not set(roles) <= ROLES:
            raise _unauthorized("UnknownRole")
        org = claims.get("org")
        principal = Principal(str(claims["sub"]), frozenset(roles), str(org) if org else None)
        return principal, float(claims["exp"])


def _unauthorized(reason: str) -> Problem:
    return Problem(
        401,
        "Unauthorized",
        f"a valid bearer token is required ({reason})",
        headers={"WWW-Authenticate": 'Bearer realm="voimala"'},
    )


class _Bearer(HTTPBearer):
    """The bearer scheme as OpenAPI shows it, verifying the token in the same step: one
    dependency per request instead of three (FastAPI's per-dependency cost shows on hot reads).
    """

    def __init__(self, *, required: bool) -> None:
        super().__init__(auto_error=False, scheme_name="bearer")
        self._required = required

    async def __call__(self, request: Request) -> Principal | None:  # type: ignore[override]
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            if self._required:
                raise _unauthorized("MissingToken")
            return None
        verifier: TokenVerifier = request.app.state.platform.verifier
        return verifier.verify(token.strip())


#: The caller, who must send a valid token (401 otherwise).
authenticate = _Bearer(required=True)
#: The caller if a token is sent (and valid: an invalid one is 401), else None: for endpoints
#: that also serve guests.
authenticate_if_sent = _Bearer(required=False)


def require(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency that lets through callers holding any of `roles`."""

    async def dependency(
        principal: Annotated[Principal | None, Depends(authenticate)],
    ) -> Principal:
        if principal is None:  # not reached: `authenticate` answers 401 itself
            raise _unauthorized("MissingToken")
        if not principal.has(*roles):
            raise Problem(
                403,
                "Forbidden",
                f"only these roles may do this: {', '.join(roles)}",
                allowed_roles=list(roles),
            )
        return principal

    return dependency


def generate_keys(folder: Path) -> tuple[Path, Path]:
    """Create a development RSA key pair (private, public) in `folder` unless it is there."""
    private, public = folder / "jwt-private.pem", folder / "jwt-public.pem"
    if private.exists() and public.exists():
        return private, public
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    private.chmod(0o600)
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


def issue_token(
    private_key_pem: bytes,
    *,
    role: Role,
    subject: str | None = None,
    org: str | None = None,
    issuer: str = "voimala-dev",
    audience: str = "voimala",
    lifetime: timedelta = timedelta(hours=8),
) -> str:
    """Sign a token (development and tests; production tokens come from the identity provider)."""
    now = SystemClock().now()
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        # A UUID, like every real subject: endpoints that take one's own id expect one.
        "sub": subject or str(uuid.uuid4()),
        "roles": [role],
        "iat": now,
        "exp": now + lifetime,
    }
    if org:
        claims["org"] = org
    return jwt.encode(claims, private_key_pem, algorithm="RS256")
