"""Where the services and the broker are: the same variables `make run` and compose set."""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["CONSUMERS", "SERVICES", "OpsConfig"]

#: Every service process, with the port it has by default (docs/architecture.md).
SERVICES: dict[str, int] = {
    "portal": 8000,
    "participants": 8001,
    "events": 8002,
    "matching": 8003,
    "notifications": 8004,
}
#: The services that consume events, and so have a dead-letter topic `voimala.<service>.dlq`.
CONSUMERS = ("participants", "events", "matching", "notifications", "portal")


@dataclass(frozen=True)
class OpsConfig:
    kafka: str
    urls: dict[str, str]
    #: Who runs the command: recorded with every replay.
    actor: str
    #: At most this many replays in any minute, across every run of the command.
    replay_per_minute: int = 120

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> OpsConfig:
        """`VOIMALA_OPS_<SERVICE>_URL`, else `http://127.0.0.1:<SERVICE>_PORT` (make run's)."""
        env = os.environ if env is None else env
        urls = {}
        for name, port in SERVICES.items():
            key = name.upper()
            default = f"http://127.0.0.1:{env.get(f'{key}_PORT', port)}"
            urls[name] = env.get(f"VOIMALA_OPS_{key}_URL", default).rstrip("/")
        return cls(
            kafka=env.get("VOIMALA_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
            urls=urls,
            actor=env.get("VOIMALA_OPS_ACTOR") or getpass.getuser(),
            replay_per_minute=int(env.get("VOIMALA_OPS_REPLAY_PER_MINUTE", "120")),
        )
