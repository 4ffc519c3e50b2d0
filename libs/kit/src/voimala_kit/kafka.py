"""Kafka clients made the one way the platform wants them."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from .logging import get_logger

__all__ = ["check_kafka", "ensure_topics", "make_producer"]

log = get_logger(__name__)
_TOPIC_ALREADY_EXISTS = 36


def make_producer(bootstrap_servers: str, client_id: str) -> AIOKafkaProducer:
    """An idempotent producer that waits for every in-sync replica: no loss, no reordering."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=2,
        max_batch_size=256 * 1024,
        request_timeout_ms=15_000,
    )


async def ensure_topics(
    bootstrap_servers: str, names: list[str], partitions: int = 3, replication: int = 1
) -> list[str]:
    """Create the topics that do not exist yet; return the ones created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="voimala-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [n for n in names if n not in existing]
        if missing:
            response = await admin.create_topics(
                [
                    NewTopic(n, num_partitions=partitions, replication_factor=replication)
                    for n in missing
                ]
            )
            for topic, code, *_ in response.topic_errors:
                if code not in (0, _TOPIC_ALREADY_EXISTS):
                    raise RuntimeError(f"could not create topic {topic}: error code {code}")
            log.info("kafka.topics_created", topics=missing)
        return missing
    finally:
        await admin.close()


async def check_kafka(producer: AIOKafkaProducer) -> None:
    """Raise unless a metadata request to the cluster succeeds within three seconds."""
    async with asyncio.timeout(3.0):
        await producer.client.fetch_all_metadata()
