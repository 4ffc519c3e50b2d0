"""SMS through a provider's HTTP API (a local fake in tests and development).

The adapter posts `{"to", "from", "text", "reference"}` as JSON. 2xx: taken. 4xx: the provider
will never take it (a bad number). 5xx, 429 or no answer: try again later.
"""

from __future__ import annotations

import httpx

from ..settings import Settings
from .channels import Delivery, DeliveryError


class SmsGateway:
    def __init__(self, settings: Settings) -> None:
        self._url = settings.sms_provider_url
        self._sender = settings.sms_sender
        self._client = httpx.AsyncClient(timeout=settings.sms_timeout)

    async def send(self, delivery: Delivery) -> None:
        body = {
            "to": delivery.to,
            "from": self._sender,
            "text": delivery.text,
            # The provider drops a second message with the same reference.
            "reference": str(delivery.message_id),
        }
        try:
            response = await self._client.post(self._url, json=body)
        except httpx.HTTPError as exc:
            raise DeliveryError(
                f"sms_unavailable:{type(exc).__name__}",
                permanent=False,
                unreachable=isinstance(exc, httpx.ConnectError),
            ) from None
        if response.is_success:
            return
        code = response.status_code
        permanent = 400 <= code < 500 and code not in (408, 429)
        raise DeliveryError(f"sms_http_{code}", permanent=permanent)
