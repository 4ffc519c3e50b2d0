"""E-mail over SMTP (aiosmtplib), through a small pool of kept-open connections."""

from __future__ import annotations

import asyncio
import base64
from email.utils import formatdate, parseaddr

import aiosmtplib

from ..settings import Settings
from .channels import Delivery, DeliveryError


def _part(content_type: str, text: str) -> list[str]:
    return [
        f'Content-Type: {content_type}; charset="utf-8"',
        "Content-Transfer-Encoding: base64",
        "",
        base64.encodebytes(text.encode()).decode().rstrip("\n"),
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
    """At most `settings.smtp_connections` SMTP sessions, each reused for many messages.

    A message is MAIL, RCPT and DATA on a kept session, the envelope written out here: the
    client's `sendmail` parses both addresses twice with the `email` package, which cost more
    CPU than the exchange itself (`build` has refused an address that could not be sent).
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._idle: asyncio.Queue[aiosmtplib.SMTP] = asyncio.Queue()
        self._slots = asyncio.Semaphore(settings.smtp_connections)
        self._envelope_from = parseaddr(settings.mail_from)[1]
        self._mail_from = f"FROM:<{self._envelope_from}>".encode()

    async def _connect(self) -> aiosmtplib.SMTP:
        s = self._settings
        client = aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            timeout=s.smtp_timeout,
            start_tls=s.smtp_starttls,
            use_tls=False,
        )
        await client.connect()
        if s.smtp_username and s.smtp_password:
            await client.login(s.smtp_username, s.smtp_password)
        if client.last_ehlo_response is None:
            await client.ehlo()
        return client

    async def _transfer(self, client: aiosmtplib.SMTP, to: str, message: bytes) -> None:
        """One mail transaction on a kept session; a refusal resets the envelope."""
        mail = await client.execute_command(b"MAIL", self._mail_from)
        if mail.code != 250:
            await _reset(client)
            raise aiosmtplib.SMTPSenderRefused(mail.code, mail.message, self._envelope_from)
        rcpt = await client.execute_command(b"RCPT", f"TO:<{to}>".encode())
        if rcpt.code not in (250, 251):
            await _reset(client)
            refused = aiosmtplib.SMTPRecipientRefused(rcpt.code, rcpt.message, to)
            raise aiosmtplib.SMTPRecipientsRefused([refused])
        await client.data(message)

    async def send(self, delivery: Delivery) -> None:
        message = build(delivery, self._settings.mail_from)
        async with self._slots:
            client = None if self._idle.empty() else self._idle.get_nowait()
            try:
                if client is None or not client.is_connected:
                    client = await self._connect()
                await self._transfer(client, delivery.to, message)
            except aiosmtplib.SMTPRecipientsRefused:
                self._keep(client)
                raise DeliveryError("smtp_recipient_refused", permanent=True) from None
            except aiosmtplib.SMTPResponseException as exc:
                permanent = 500 <= exc.code < 600
                if permanent:
                    self._keep(client)
                else:
                    await self._drop(client)
                raise DeliveryError(f"smtp_{exc.code}", permanent=permanent) from None
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                await self._drop(client)
                raise DeliveryError(
                    f"smtp_unavailable:{type(exc).__name__}",
                    permanent=False,
                    unreachable=isinstance(exc, aiosmtplib.SMTPConnectError | OSError),
                ) from None
            self._keep(client)

    def _keep(self, client: aiosmtplib.SMTP | None) -> None:
        if client is not None and client.is_connected:
            self._idle.put_nowait(client)

    async def _drop(self, client: aiosmtplib.SMTP | None) -> None:
        if client is not None:
            client.close()


async def _reset(client: aiosmtplib.SMTP) -> None:
    """RSET after a refused MAIL or RCPT, so that the session can carry the next message."""
    if client.is_connected:
        await client.rset()
