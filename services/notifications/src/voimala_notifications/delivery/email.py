"""E-mail over SMTP, through a small pool of kept-open sessions (`smtp.SmtpSession`)."""

from __future__ import annotations

import asyncio
import base64
from email.utils import formatdate, parseaddr

from ..settings import Settings
from .channels import Delivery, DeliveryError
from .smtp import SmtpReplyError, SmtpSession


def _part(content_type: str, text: str) -> list[str]:
    return [
        f'Content-Type: {content_type}; charset="utf-8"',
        "Content-Transfer-Encoding: base64",
        "",
        *base64.encodebytes(text.encode()).decode().rstrip("\n").split("\n"),
    ]


#: Bytes of UTF-8 in one RFC 2047 encoded word: base64 of 45 bytes is 60 characters, and
#: `=?utf-8?b?` + 60 + `?=` stays within the 75 an encoded word may have.
_WORD_BYTES = 45


def encode_subject(subject: str) -> str:
    """The Subject header's value: as it is when short plain ASCII, else RFC 2047 base64
    encoded words (never splitting a character), folded one word a line."""
    if subject.isascii() and len(subject) <= 68 and "=?" not in subject:
        return subject
    words, word = [], b""
    for char in subject:
        encoded = char.encode()
        if len(word) + len(encoded) > _WORD_BYTES:
            words.append(word)
            word = b""
        word += encoded
    words.append(word)
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w).decode()}?=" for w in words)


def build(delivery: Delivery, sender: str) -> bytes:
    """The message as MIME bytes: UTF-8 text (and HTML) in base64, RFC 2047 subject.

    Written out directly: the `email` package's header objects cost more CPU than the whole
    SMTP exchange, and these messages need none of their generality.
    """
    if any(c in delivery.to for c in "\r\n<>,") or not delivery.to.isascii():
        raise DeliveryError("bad_address", permanent=True)
    headers = [
        f"From: {sender}",
        f"To: {delivery.to}",
        f"Subject: {encode_subject(delivery.subject)}",
        f"Date: {formatdate(localtime=False)}",
        # The same Message-ID on every attempt: a receiver can drop a resend after a lost reply.
        f"Message-ID: <{delivery.message_id}@voimala>",
        "Auto-Submitted: auto-generated",
        "MIME-Version: 1.0",
    ]
    if not delivery.html:
        lines = headers + _part("text/plain", delivery.text)
    else:
        boundary = f"=_voimala_{delivery.message_id.hex}"
        lines = [
            *headers,
            f'Content-Type: multipart/alternative; boundary="{boundary}"',
            "",
            f"--{boundary}",
            *_part("text/plain", delivery.text),
            f"--{boundary}",
            *_part("text/html", delivery.html),
            f"--{boundary}--",
        ]
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


class SmtpMailer:
    """At most `settings.smtp_connections` SMTP sessions, each reused for many messages
    (`smtp.SmtpSession`: pipelined when the server announces PIPELINING). `build` has refused
    an address that could not be sent."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._idle: asyncio.Queue[SmtpSession] = asyncio.Queue()
        self._slots = asyncio.Semaphore(settings.smtp_connections)
        self._envelope_from = parseaddr(settings.mail_from)[1].encode()

    async def _connect(self) -> SmtpSession:
        s = self._settings
        try:
            return await SmtpSession.open(
                s.smtp_host,
                s.smtp_port,
                timeout=s.smtp_timeout,
                starttls=s.smtp_starttls,
                username=s.smtp_username,
                password=s.smtp_password,
            )
        except (OSError, ConnectionError, asyncio.IncompleteReadError) as exc:
            raise _Unreachable from exc

    async def send(self, delivery: Delivery) -> None:
        message = build(delivery, self._settings.mail_from)
        async with self._slots:
            session = None if self._idle.empty() else self._idle.get_nowait()
            try:
                if session is None or not session.is_connected:
                    session = await self._connect()
                await session.send(self._envelope_from, delivery.to, message)
            except SmtpReplyError as exc:
                raise self._refused(session, exc) from None
            except (_Unreachable, OSError, ConnectionError, asyncio.IncompleteReadError) as exc:
                _drop(session)
                unreachable = isinstance(exc, _Unreachable) or (
                    isinstance(exc, OSError) and not isinstance(exc, TimeoutError)
                )
                cause = exc.__cause__ if isinstance(exc, _Unreachable) else exc
                raise DeliveryError(
                    f"smtp_unavailable:{type(cause).__name__}",
                    permanent=False,
                    unreachable=unreachable,
                ) from None
            self._keep(session)

    def _refused(self, session: SmtpSession | None, exc: SmtpReplyError) -> DeliveryError:
        """A refusal: a recipient's or a 5xx is for good (the session goes on); a 4xx waits
        for a new session."""
        if exc.step == "RCPT":
            self._keep(session)
            return DeliveryError("smtp_recipient_refused", permanent=True)
        permanent = 500 <= exc.code < 600
        if permanent:
            self._keep(session)
        else:
            _drop(session)
        return DeliveryError(f"smtp_{exc.code}", permanent=permanent)

    def _keep(self, session: SmtpSession | None) -> None:
        if session is not None and session.is_connected:
            self._idle.put_nowait(session)


class _Unreachable(Exception):  # noqa: N818 - a marker, raised from the connection's error
    """The server could not be reached (or greeted): the channel is down."""


def _drop(session: SmtpSession | None) -> None:
    if session is not None:
        session.close()
