"""Kafka clients made the one way the platform wants them."""

from __future__ import annotations

import asyncio
import random
import struct
from collections.abc import Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.helpers import create_ssl_context

from .logging import get_logger
from .settings import ServiceSettings

__all__ = [
    "check_kafka",
    "client_security",
    "ensure_topics",
    "make_producer",
    "murmur2",
    "partition_for",
]

log = get_logger(__name__)
_TOPIC_ALREADY_EXISTS = 36
_M = 0x5BD1E995
_MASK = 0xFFFFFFFF
_WORDS = struct.Struct("<I").iter_unpack


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 (the Java client's `Utils.murmur2`), as aiokafka's `murmur2` computes it
    byte by byte, but a word at a time: 3-4 times less CPU (~12 -> ~3.5 µs for a uuid key, on
    the relay's path once per event). Equal to aiokafka's for every input (tested)."""
    length = len(data)
    whole = length & ~3
    h = 0x9747B28C ^ length
    for (word,) in _WORDS(data[:whole]):
        k = (word * _M) & _MASK
        h = ((h * _M) & _MASK) ^ (((k ^ (k >> 24)) * _M) & _MASK)
    rest = length & 3
    if rest:
        if rest == 3:
            h ^= data[whole + 2] << 16
        if rest >= 2:
            h ^= data[whole + 1] << 8
        h = ((h ^ data[whole]) * _M) & _MASK
    h ^= h >> 13
    h = (h * _M) & _MASK
    return h ^ (h >> 15)


def partition_for(key: bytes | None, every: Sequence[int], available: Sequence[int]) -> int:
    """aiokafka's (and the Java client's) default partitioner, with the faster `murmur2`: one
    key always goes to the same partition as any other client would put it, so one
    aggregate's events stay in order."""
    if key is None:
        return random.choice(available or every)  # noqa: S311 - spreading load, not secrecy
    return every[(murmur2(key) & 0x7FFFFFFF) % len(every)]


def client_security(settings: ServiceSettings) -> dict[str, Any]:
    """The clients' arguments for a broker that asks for TLS or SASL (none for a plain one)."""
    if settings.kafka_security_protocol == "PLAINTEXT":
        return {}
    options: dict[str, Any] = {"security_protocol": settings.kafka_security_protocol}
    if settings.kafka_security_protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = create_ssl_context(
            cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None
        )
    if settings.kafka_security_protocol.startswith("SASL"):
        password = settings.kafka_sasl_password
        options |= {
            "sasl_mechanism": settings.kafka_sasl_mechanism or "SCRAM-SHA-512",
            "sasl_plain_username": settings.kafka_sasl_username,
            "sasl_plain_password": password.get_secret_value() if password else None,
        }
    return options


def make_producer(
    bootstrap_servers: str, client_id: str, security: Mapping[str, Any] | None = None
) -> AIOKafkaProducer:
    """An idempotent producer that waits for every in-sync replica: no loss, no reordering."""
    return AIOKafkaProducer(
        **(security or {}),
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        # The relay hands a whole batch to send() at once, then waits for the acks: lingering
        # adds nothing to the batch and its time to every event's latency.
        linger_ms=0,
        max_batch_size=256 * 1024,
        partitioner=partition_for,
        request_timeout_ms=15_000,
    )


async def ensure_topics(
    bootstrap_servers: str,
    names: list[str],
    partitions: int = 3,
    replication: int = 1,
    security: Mapping[str, Any] | None = None,
) -> list[str]:
    """Create the topics that do not exist yet; return the ones created."""
    admin = AIOKafkaAdminClient(
        **(security or {}), bootstrap_servers=bootstrap_servers, client_id="voimala-admin"
    )
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
