"""The local SMTP server of `make run`: every e-mail notifications hands over is written to
standard output (.local/logs/smtp-sink.log) as readable text, one block per message, so that a
sign-in link or a reminder can be read and clicked. Development only: it delivers nothing.

    python deploy/local/smtp_sink.py [--port 1025]
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class Printer:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        print(render(message), flush=True)
        return "250 OK"


def render(message: Any) -> str:
    lines = ["=" * 72]
    lines += [
        f"{name}: {message[name]}" for name in ("Date", "From", "To", "Subject") if message[name]
    ]
    body = message.get_body(("plain", "html")) if isinstance(message, EmailMessage) else None
    lines += ["", body.get_content().rstrip() if body is not None else "(no text part)", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    args = parser.parse_args()
    controller = Controller(Printer(), hostname=args.host, port=args.port)
    controller.start()
    print(f"smtp-sink: listening on {args.host}:{args.port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
