"""Background jobs: the delivery loops (each run as `job(platform, stop)` by the kit)."""

from __future__ import annotations

from collections.abc import Mapping

from voimala_kit.service import Worker

from .delivery import Channel, DeliveryWorker
from .delivery.wake import Wakeup
from .handlers.deps import Deps
from .retention import message_retention


def workers(deps: Deps, channels: Mapping[str, Channel]) -> list[tuple[str, Worker]]:
    """Several delivery loops, so that one records its batch while another sends: the claims
    (SKIP LOCKED) keep them apart, the mailer's pool keeps the connection limit. One worker
    object for them all: a channel found down is paused for every loop. They are woken when
    messages become due (`delivery/wake.py`), by a listener of their own."""
    wakeup = Wakeup()
    worker = DeliveryWorker(deps, channels, wakeup)
    loops: list[tuple[str, Worker]] = [
        (f"delivery-{n}", worker)
        for n in range(deps.settings.delivery_loops if deps.settings.run_delivery else 0)
    ]
    if loops:
        loops.append(("delivery-wakeup", wakeup))
    if deps.settings.run_retention:
        loops.append(("message-retention", message_retention))
    return loops
