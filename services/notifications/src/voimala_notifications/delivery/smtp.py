"""One SMTP session (RFC 5321) on asyncio streams, kept open for many messages.

With a server that announces PIPELINING (RFC 2920) a message is two round trips: MAIL, RCPT
and DATA written at once and their three replies read together, then the content and its
reply; without it, each command waits for its reply (four round trips). STARTTLS and AUTH
(PLAIN, else LOGIN) when the settings ask for them. A client library's generality (address
parsing, response objects, a lock and a timer per command) cost more CPU than the exchange.
"""

from __future__ import annotations

import asyncio
import base64
import re
import ssl

_LINE_END = re.compile(rb"\r\n|\r|\n")


class SmtpReplyError(Exception):
    """The server answered with a code the step does not accept."""

    def __init__(self, code: int, step: str) -> None:
        super().__init__(f"{step}: {code}")
        self.code = code
        self.step = step


class SmtpSession:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, timeout: float):
        self._reader = reader
        self._writer = writer
        self._timeout = timeout
        self.pipelining = False
        self.extensions: dict[str, str] = {}

    @classmethod
    async def open(
        cls,
        host: str,
        port: int,
        *,
        timeout: float,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> SmtpSession:
        """Connected, greeted, EHLO'd (again after STARTTLS), logged in when asked. STARTTLS
        verifies the server's certificate and name with `tls` (the system's CAs if None)."""
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port)
        session = cls(reader, writer, timeout)
        try:
            async with asyncio.timeout(timeout):
                await session._expect("greeting", 220)
                await session._ehlo()
                if starttls:
                    await session.command(b"STARTTLS", 220)
                    context = tls or ssl.create_default_context()
                    await writer.start_tls(context, server_hostname=host)
                    await session._ehlo()
                if username and password:
                    await session._login(username, password)
        except BaseException:
            session.close()
            raise
        return session

    @property
    def is_connected(self) -> bool:
        return not self._writer.is_closing() and not self._reader.at_eof()

    def close(self) -> None:
        self._writer.close()

    async def send(self, sender: bytes, to: str, content: bytes) -> None:
        """One mail transaction, within the session's timeout (one timer for the whole
        transaction, not a task and a timer per reply); `content` is the message with CRLF
        line ends. A refused sender or recipient resets the envelope, so the session can carry
        the next one."""
        async with asyncio.timeout(self._timeout):
            await self._transaction(sender, to, content)

    async def _transaction(self, sender: bytes, to: str, content: bytes) -> None:
        mail, rcpt = b"MAIL FROM:<" + sender + b">\r\n", b"RCPT TO:<" + to.encode() + b">\r\n"
        if self.pipelining:
            self._writer.write(mail + rcpt + b"DATA\r\n")
            codes = [await self._reply() for _ in range(3)]
        else:
            codes = [await self._exchange(mail)]
            if codes[0] == 250:
                codes.append(await self._exchange(rcpt))
                if codes[1] in (250, 251):
                    codes.append(await self._exchange(b"DATA\r\n"))
        await self._after_envelope(codes)
        self._writer.write(_stuffed(content))
        await self._expect("content", 250)

    async def _after_envelope(self, codes: list[int]) -> None:
        """Raise what the envelope's replies say, leaving the session ready for the next."""
        if codes in ([250, 250, 354], [250, 251, 354]):
            return
        if len(codes) == 3 and codes[2] == 354:  # a server that took DATA after a refusal
            self._writer.write(b".\r\n")
            await self._reply()
        if self.is_connected:
            await self._exchange(b"RSET\r\n")
        if codes[0] != 250:
            raise SmtpReplyError(codes[0], "MAIL")
        if len(codes) > 1 and codes[1] not in (250, 251):
            raise SmtpReplyError(codes[1], "RCPT")
        raise SmtpReplyError(codes[-1], "DATA")

    async def command(self, line: bytes, expected: int) -> None:
        self._writer.write(line + b"\r\n")
        await self._expect(line.split(b" ", 1)[0].decode(), expected)

    async def _exchange(self, line: bytes) -> int:
        self._writer.write(line)
        return await self._reply()

    async def _expect(self, step: str, expected: int) -> None:
        code = await self._reply()
        if code != expected:
            raise SmtpReplyError(code, step)

    async def _reply(self) -> int:
        return (await self._reply_lines())[0]

    async def _reply_lines(self) -> tuple[int, list[str]]:
        """The reply's code and its lines' texts (a multi-line reply read whole)."""
        lines: list[str] = []
        while True:
            line = await self._reader.readline()  # under the caller's timeout
            if not line.endswith(b"\n"):
                raise ConnectionResetError("the SMTP server closed the connection")
            lines.append(line[4:].strip().decode("utf-8", "replace"))
            if line[3:4] != b"-":
                try:
                    return int(line[:3]), lines
                except ValueError:
                    raise SmtpReplyError(0, "reply") from None

    async def _ehlo(self) -> None:
        self._writer.write(b"EHLO voimala\r\n")
        code, lines = await self._reply_lines()
        if code != 250:
            raise SmtpReplyError(code, "EHLO")
        self.extensions = {}
        for line in lines[1:]:
            name, _, value = line.partition(" ")
            self.extensions[name.upper()] = value
        self.pipelining = "PIPELINING" in self.extensions

    async def _login(self, username: str, password: str) -> None:
        methods = self.extensions.get("AUTH", "").upper().split()
        if "PLAIN" in methods or "LOGIN" not in methods:
            token = base64.b64encode(f"\0{username}\0{password}".encode()).decode()
            await self.command(f"AUTH PLAIN {token}".encode(), 235)
            return
        await self.command(b"AUTH LOGIN", 334)
        await self.command(base64.b64encode(username.encode()), 334)
        await self.command(base64.b64encode(password.encode()), 235)


def _stuffed(content: bytes) -> bytes:
    """The content as DATA sends it: a line's leading dot doubled, the lone dot at the end."""
    if content.count(b"\n") != content.count(b"\r\n"):  # a bare CR or LF: CRLF it
        content = _LINE_END.sub(b"\r\n", content)
    if not content.endswith(b"\r\n"):
        content += b"\r\n"
    if content.startswith(b"."):
        content = b"." + content
    return content.replace(b"\r\n.", b"\r\n..") + b".\r\n"
