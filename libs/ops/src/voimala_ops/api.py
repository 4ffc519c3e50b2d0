"""The operations as an HTTP API for the `ops` role: what `voimala-ops` does, for the portal.

    GET  /ops/status                            every service at a glance
    GET  /ops/dead-letters?service=&limit=      the newest dead letters
    GET  /ops/dead-letters/{id}                 one, its personal data only counted
    POST /ops/dead-letters/{id}/replay          {"reason": ..., "dry_run": false}
    POST /ops/dead-letters/replay               {"service": ..., "reason": ..., "dry_run": false}

Every answer is what `voimala-ops ... --json` prints; a replay is recorded with the caller's
token subject as who. `voimala-ops-api` serves it (`OPS_PORT`, 8005).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field
from voimala_kit.auth import Principal, TokenVerifier, require
from voimala_kit.docs import install_docs
from voimala_kit.http import Problem, install_http
from voimala_kit.logging import configure_logging

from .config import OpsConfig
from .deadletters import DeadLetterId, RateLimitedError, dead_letters, one_dead_letter, replay
from .kafka import onlooker
from .status import platform_status

__all__ = ["create_api", "main"]

Ops = Annotated[Principal, Depends(require("ops"))]
Consumer = Literal["participants", "events", "matching", "notifications", "portal"]


@dataclass(frozen=True)
class OpsState:
    """What the kit's auth reads from `app.state.platform` (the verifier), and the config."""

    verifier: TokenVerifier
    config: OpsConfig


class ReplayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, description="why it will work now")
    dry_run: bool = False


class ReplayAllIn(ReplayIn):
    service: Consumer
    max: int = Field(100, ge=1, le=1000, description="refuse to replay more at once")


def _letter(letter_id: str) -> DeadLetterId:
    try:
        return DeadLetterId.parse(letter_id)
    except ValueError:
        raise Problem(404, "Not found", "no dead letter has that id") from None


def _router(config: OpsConfig) -> APIRouter:
    router = APIRouter(prefix="/ops", tags=["operations"])

    @router.get("/status")
    async def status(caller: Ops) -> list[dict[str, Any]]:
        return [s.as_dict() for s in await platform_status(config)]

    @router.get("/dead-letters")
    async def list_dead_letters(
        caller: Ops,
        service: Consumer | None = None,
        limit: Annotated[int, Query(ge=0, le=10_000)] = 100,
    ) -> list[dict[str, Any]]:
        return await dead_letters(config, service, limit)

    @router.get("/dead-letters/{letter_id}")
    async def show(letter_id: str, caller: Ops) -> dict[str, Any]:
        detail = await one_dead_letter(config, _letter(letter_id))
        if detail is None:
            raise Problem(404, "Not found", "no dead letter has that id")
        return detail

    @router.post("/dead-letters/{letter_id}/replay")
    async def replay_one(letter_id: str, body: ReplayIn, caller: Ops) -> list[dict[str, Any]]:
        return await _replay(config, body, caller, ids=[_letter(letter_id)])

    @router.post("/dead-letters/replay")
    async def replay_all(body: ReplayAllIn, caller: Ops) -> list[dict[str, Any]]:
        return await _replay(config, body, caller, service=body.service, most=body.max)

    return router


async def _replay(
    config: OpsConfig,
    body: ReplayIn,
    caller: Principal,
    ids: list[DeadLetterId] | None = None,
    service: str | None = None,
    most: int = 100,
) -> list[dict[str, Any]]:
    try:
        outcomes = await replay(
            config,
            reason=body.reason,
            ids=ids,
            service=service,
            dry_run=body.dry_run,
            most=most,
            by=f"token:{caller.subject}",
        )
    except RateLimitedError as exc:
        raise Problem(429, "Too many replays", str(exc), headers={"Retry-After": "60"}) from None
    return [o.as_dict() for o in outcomes]


def _health() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "live"}

    @router.get("/health/ready")
    async def ready(request: Request) -> dict[str, Any]:
        state: OpsState = request.app.state.platform
        try:
            async with onlooker(state.config.kafka) as consumer:
                await consumer.topics()
        except Exception as exc:  # noqa: BLE001 - the answer names what failed
            raise Problem(
                503, "Not ready", "Kafka cannot be reached", checks={"kafka": type(exc).__name__}
            ) from None
        return {"status": "ready", "checks": {"kafka": "ok"}}

    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def create_api(config: OpsConfig, verifier: TokenVerifier) -> FastAPI:
    app = FastAPI(
        title="Voimala operations",
        description=__doc__ or "",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
    )
    app.state.platform = OpsState(verifier, config)
    install_docs(app)
    install_http(app, "ops")
    app.include_router(_health())
    app.include_router(_router(config))
    return app


def main() -> None:
    """Serve the API: the same JWT settings as the services (`VOIMALA_JWT_*`)."""
    env = os.environ
    key = env.get("VOIMALA_JWT_PUBLIC_KEY_FILE")
    if not key:
        raise SystemExit("VOIMALA_JWT_PUBLIC_KEY_FILE is not set (make keys)")
    extra = tuple(
        Path(p) for p in env.get("VOIMALA_JWT_EXTRA_PUBLIC_KEY_FILES", "").split(":") if p
    )
    verifier = TokenVerifier.from_file(
        Path(key),
        env.get("VOIMALA_JWT_ISSUER", "voimala-dev"),
        env.get("VOIMALA_JWT_AUDIENCE", "voimala"),
        extra,
    )
    configure_logging("ops", env.get("VOIMALA_LOG_LEVEL", "INFO"))
    app = create_api(OpsConfig.from_env(), verifier)
    uvicorn.run(
        app,
        host=env.get("OPS_HOST", "127.0.0.1"),
        port=int(env.get("OPS_PORT", "8005")),
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    main()
