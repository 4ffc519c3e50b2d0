"""voimala-ops: status, lag and dead letters of the platform, for the operations team.

The HTTP API is `voimala_ops.api` (not imported here: it brings the web stack, which the
command does without).
"""

from .audit import OPS_TOPIC, DeadLetterReplayed
from .config import OpsConfig
from .deadletters import (
    DeadLetter,
    DeadLetterId,
    RateLimitedError,
    ReplayOutcome,
    dead_letters,
    one_dead_letter,
    replay,
)
from .redact import envelope_view
from .status import ServiceStatus, platform_status

__all__ = [
    "OPS_TOPIC",
    "DeadLetter",
    "DeadLetterId",
    "DeadLetterReplayed",
    "OpsConfig",
    "RateLimitedError",
    "ReplayOutcome",
    "ServiceStatus",
    "dead_letters",
    "envelope_view",
    "one_dead_letter",
    "platform_status",
    "replay",
]
