"""A minimal OpenID provider for the tests, served over real HTTP on a free port: discovery,
JWKS, an authorize endpoint that signs in `next_person` at once (no login form) and a token
endpoint that checks the client, the code and PKCE, and issues a signed ID token.

`mode` makes it misbehave as an attacker or a broken provider would: "forged" signs with a
key that is not in its JWKS (under the same key id), "wrong_nonce" puts another nonce in.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "voimala-portal"
CLIENT_SECRET = "portal-test-secret"


def _key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "test-1", "use": "sig", "alg": "RS256"})


@dataclass
class Provider:
    issuer: str = ""
    redirect_uri: str = ""
    key: RSAKey = field(default_factory=_key)
    forger: RSAKey = field(default_factory=_key)
    next_person: dict[str, Any] = field(default_factory=dict)
    mode: str = "ok"
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: int = 0


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def create_provider(provider: Provider) -> FastAPI:
    app = FastAPI()

    @app.get("/.well-known/openid-configuration")
    async def discovery() -> dict[str, Any]:
        return {
            "issuer": provider.issuer,
            "authorization_endpoint": f"{provider.issuer}/authorize",
            "token_endpoint": f"{provider.issuer}/token",
            "jwks_uri": f"{provider.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }

    @app.get("/jwks")
    async def jwks() -> dict[str, Any]:
        return {"keys": [provider.key.as_dict(private=False)]}

    @app.get("/authorize")
    async def authorize(request: Request) -> Any:
        q = request.query_params
        if q.get("client_id") != CLIENT_ID or q.get("redirect_uri") != provider.redirect_uri:
            return JSONResponse({"error": "invalid_client"}, 400)
        if q.get("response_type") != "code" or q.get("code_challenge_method") != "S256":
            return JSONResponse({"error": "invalid_request"}, 400)
        code = secrets.token_urlsafe(16)
        provider.codes[code] = {
            "nonce": q.get("nonce"),
            "challenge": q.get("code_challenge"),
            "person": dict(provider.next_person),
        }
        target = f"{provider.redirect_uri}?{urlencode({'code': code, 'state': q['state']})}"
        return RedirectResponse(target, 302)

    @app.post("/token")
    async def token(
        request: Request,
        grant_type: str = Form(),
        code: str = Form(),
        redirect_uri: str = Form(),
        code_verifier: str = Form(),
    ) -> Any:
        provider.token_requests += 1
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return JSONResponse({"error": "invalid_client"}, 401)
        issued = provider.codes.pop(code, None)
        if issued is None or grant_type != "authorization_code":
            return JSONResponse({"error": "invalid_grant"}, 400)
        if redirect_uri != provider.redirect_uri or _s256(code_verifier) != issued["challenge"]:
            return JSONResponse({"error": "invalid_grant"}, 400)
        now = int(time.time())
        claims = {
            "iss": provider.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": "not-the-one" if provider.mode == "wrong_nonce" else issued["nonce"],
            **issued["person"],
        }
        key = provider.forger if provider.mode == "forged" else provider.key
        id_token = jwt.encode({"alg": "RS256", "kid": "test-1"}, claims, key)
        return {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }

    return app
