"""Wait until a Kafka broker answers a real metadata request (not just an open port).

An open port is not enough: the KRaft broker accepts connections before it has caught up with
the metadata log, and clients that connect then fail. Used by kafka.sh start.

Usage: wait_kafka.py HOST:PORT [--timeout SECONDS] [--pid PID]
Exit 0 when ready, 1 on timeout or when the broker process (--pid) has exited.
"""

import argparse
import asyncio
import logging
import sys
import time

from aiokafka.admin import AIOKafkaAdminClient


async def metadata_ok(bootstrap: str) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    try:
        await admin.start()
        cluster = await admin.describe_cluster()
        return bool(cluster.get("brokers"))
    except Exception:  # noqa: BLE001 - any failure just means "not ready yet"
        return False
    finally:
        await admin.close()


def process_alive(pid: int | None) -> bool:
    if pid is None:
        return True
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return bool(f.read())  # a zombie has an empty cmdline
    except OSError:
        return False


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("bootstrap")
    parser.add_argument("--timeout", type=float, default=90)
    parser.add_argument("--pid", type=int)
    args = parser.parse_args()
    # aiokafka logs every refused connection at ERROR; that is expected while waiting.
    logging.basicConfig(level=logging.CRITICAL)

    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if not process_alive(args.pid):
            print(f"kafka: process {args.pid} exited", file=sys.stderr)
            return 1
        if await metadata_ok(args.bootstrap):
            return 0
        await asyncio.sleep(0.5)
    return 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
