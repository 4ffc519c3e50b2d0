"""The services' HTTP APIs as the portal calls them: with a short-lived token minted for the
signed-in person (RS256, minutes), or without one for the public pages.

Answers are returned as they come; `ServiceError` carries a service's problem details so that a
page can put a 422's field errors next to its own fields.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

import httpx
from voimala_kit import issue_token
from voimala_kit.auth import Role

from .repository.sessions import SessionUser
from .settings import Settings

Service = Literal["participants", "events", "matching", "notifications", "ops"]


class ServiceError(Exception):
    """A service answered 4xx or 5xx (or could not be reached: status 503)."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{status} {problem.get('title', '')}")
        self.status = status
        self.problem = problem


@dataclass(frozen=True)
class Caller:
    """Calls on behalf of one person (or nobody, for the public pages)."""

    services: Services
    token: str | None

    async def request(
        self,
        method: str,
        service: Service,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        url = self.services.base_url(service) + path
        # A read is tried twice when the connection fails: a kept-alive connection that the
        # service closes as it is reused fails at once, and the second attempt opens a new one.
        attempts = 2 if method == "GET" else 1
        for attempt in range(attempts):
            try:
                response = await self.services.http.request(
                    method, url, json=json, params=params, headers=sent
                )
                break
            except httpx.TransportError as exc:
                if attempt + 1 < attempts and not isinstance(exc, httpx.TimeoutException):
                    continue
                raise ServiceError(
                    503, {"title": "Service unavailable", "service": service}
                ) from exc
            except httpx.HTTPError as exc:
                raise ServiceError(
                    503, {"title": "Service unavailable", "service": service}
                ) from exc
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"title": response.reason_phrase}
            raise ServiceError(response.status_code, problem if isinstance(problem, dict) else {})
        return response

    async def get(self, service: Service, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v is not None and v != ""}
        return (await self.request("GET", service, path, params=clean)).json()

    async def post(self, service: Service, path: str, body: Any = None) -> Any:
        response = await self.request("POST", service, path, json=body if body is not None else {})
        return response.json() if response.content else None

    async def patch(self, service: Service, path: str, body: Any) -> Any:
        return (await self.request("PATCH", service, path, json=body)).json()

    async def put(self, service: Service, path: str, body: Any) -> Any:
        response = await self.request("PUT", service, path, json=body)
        return response.json() if response.content else None


class Services:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._urls: dict[str, str] = {
            "participants": settings.participants_url,
            "events": settings.events_url,
            "matching": settings.matching_url,
            "notifications": settings.notifications_url,
            "ops": settings.ops_url,
        }
        self._key = settings.signing_key_file.read_bytes() if settings.signing_key_file else None
        self.http = httpx.AsyncClient(timeout=10.0)
        #: Minted tokens reused until a minute before they expire (the services remember
        #: tokens they verified, so a new token per request would cost them a verification).
        self._minted: dict[tuple[str, str, str | None], tuple[str, float]] = {}

    def base_url(self, service: Service) -> str:
        return self._urls[service].rstrip("/")

    def public(self) -> Caller:
        return Caller(self, None)

    def as_user(self, user: SessionUser) -> Caller:
        return Caller(
            self, self.token_for(user.role, user.subject, str(user.org) if user.org else None)
        )

    def token_for(self, role: str, subject: str, org: str | None) -> str:
        if self._key is None:
            raise RuntimeError("PORTAL_SIGNING_KEY_FILE is not set: the portal cannot sign tokens")
        key = (role, subject, org)
        now = time.time()
        known = self._minted.get(key)
        if known is not None and known[1] - 60 > now:
            return known[0]
        minutes = self._settings.service_token_minutes
        token = issue_token(
            self._key,
            role=_role(role),
            subject=subject,
            org=org,
            issuer=self._settings.jwt_issuer,
            audience=self._settings.jwt_audience,
            lifetime=timedelta(minutes=minutes),
        )
        if len(self._minted) > 4096:
            self._minted.clear()
        self._minted[key] = (token, now + minutes * 60)
        return token

    async def close(self) -> None:
        await self.http.aclose()


def _role(value: str) -> Role:
    if value not in ("coordinator", "counsellor", "employer", "mentor", "participant", "ops"):
        raise ValueError("unknown role")
    return value  # type: ignore[return-value]
