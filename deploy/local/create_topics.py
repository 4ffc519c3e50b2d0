"""Create every topic of the platform (idempotent): the four event topics and their DLQs."""

from __future__ import annotations

import asyncio
import os

from voimala_contracts import topics
from voimala_kit.kafka import ensure_topics


async def main() -> None:
    bootstrap = os.environ.get("VOIMALA_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    created = await ensure_topics(bootstrap, topics.all_topics())
    print(f"kafka: topics ready ({len(topics.all_topics())}, {len(created)} new)")


if __name__ == "__main__":
    asyncio.run(main())
