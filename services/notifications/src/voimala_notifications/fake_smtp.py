"""A light SMTP server for tests, development and the benchmark: real SMTP over TCP, with
PIPELINING (RFC 2920), that hands every accepted message to a callback.

`python -m voimala_notifications.fake_smtp` serves it on 127.0.0.1:1025 (FAKE_SMTP_PORT) and
prints one line per recipient. It stands for the city's mail relay, which does not run on our
machine: it checks nothing a relay would (no TLS, no auth), and keeps no queue. A recipient
starting with `refuse` gets a 550 at RCPT, as a relay refuses an unknown mailbox.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

#: Called with the envelope's recipients and the message's bytes once it is accepted.
Accepted = Callable[[list[str], bytes], None]

_EHLO = (
    b"250-voimala-fake-smtp\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
    b"250-ENHANCEDSTATUSCODES\r\n250 SIZE 10485760\r\n"
)


class _Session(asyncio.Protocol):
    """One client's session: commands line by line (however they were grouped), DATA's
    content until the lone dot, every reply of a group written at once."""

    def __init__(self, accepted: Accepted) -> None:
        self._accepted = accepted
        self._buffer = b""
        self._sender: bytes | None = None
        self._rcpts: list[str] = []
        self._in_data = False
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        self._transport.write(b"220 voimala-fake-smtp ESMTP\r\n")  # type: ignore[union-attr]

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        replies: list[bytes] = []
        closing = False
        while not closing:
            reply = self._content() if self._in_data else self._command()
            if reply is None:
                break
            replies.append(reply)
            closing = reply.startswith(b"221")
        if replies and self._transport is not None:
            self._transport.write(b"".join(replies))
            if closing:
                self._transport.close()

    def _content(self) -> bytes | None:
        if self._buffer.startswith(b".\r\n"):
            content, self._buffer = b"", self._buffer[3:]
        else:
            end = self._buffer.find(b"\r\n.\r\n")
            if end < 0:
                return None
            content, self._buffer = self._buffer[: end + 2], self._buffer[end + 5 :]
        content = content.replace(b"\r\n..", b"\r\n.")
        if content.startswith(b".."):
            content = content[1:]
        self._in_data = False
        rcpts, self._rcpts, self._sender = self._rcpts, [], None
        self._accepted(rcpts, content)
        return b"250 2.0.0 OK\r\n"

    def _command(self) -> bytes | None:  # noqa: PLR0911 - one reply per command
        end = self._buffer.find(b"\r\n")
        if end < 0:
            return None
        line, self._buffer = self._buffer[:end], self._buffer[end + 2 :]
        verb = line[:4].upper()
        if verb == b"EHLO":
            return _EHLO
        if verb == b"HELO":
            return b"250 voimala-fake-smtp\r\n"
        if verb == b"MAIL":
            self._sender, self._rcpts = line[10:], []
            return b"250 2.1.0 OK\r\n"
        if verb == b"RCPT":
            return self._recipient(line)
        if verb == b"DATA":
            if self._sender is None or not self._rcpts:
                return b"503 5.5.1 need MAIL and RCPT first\r\n"
            self._in_data = True
            return b"354 End data with <CR><LF>.<CR><LF>\r\n"
        if verb == b"RSET":
            self._sender, self._rcpts = None, []
            return b"250 2.0.0 OK\r\n"
        if verb == b"NOOP":
            return b"250 2.0.0 OK\r\n"
        if verb == b"QUIT":
            return b"221 2.0.0 Bye\r\n"
        return b"502 5.5.2 command not implemented\r\n"

    def _recipient(self, line: bytes) -> bytes:
        if self._sender is None:
            return b"503 5.5.1 need MAIL first\r\n"
        start, end = line.find(b"<"), line.rfind(b">")
        if start < 0 or end <= start:
            return b"501 5.1.3 bad recipient address\r\n"
        address = line[start + 1 : end].decode("utf-8", "replace")
        if address.startswith("refuse"):
            return b"550 5.1.1 mailbox unavailable\r\n"
        self._rcpts.append(address)
        return b"250 2.1.5 OK\r\n"


async def serve(host: str, port: int, accepted: Accepted) -> asyncio.Server:
    """Listen on (host, port); every accepted message goes to `accepted`."""
    loop = asyncio.get_running_loop()
    return await loop.create_server(lambda: _Session(accepted), host, port)


async def _main() -> None:
    def show(rcpts: list[str], content: bytes) -> None:
        print(f"{len(content)} bytes to {', '.join(rcpts)}", flush=True)  # noqa: T201

    port = int(os.environ.get("FAKE_SMTP_PORT", "1025"))
    server = await serve("127.0.0.1", port, show)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(_main())
