"""A fake SMS provider for tests and development: it keeps what it is sent, counted in segments.

`python -m voimala_notifications.fake_sms` serves it on 127.0.0.1:8090 (FAKE_SMS_PORT).
`POST /messages` takes what `delivery.sms.SmsGateway` sends; `GET /messages` lists what came;
a number starting with +999 is refused (400), as a real provider refuses an invalid number.
"""

from __future__ import annotations

import os
from typing import Any

import uvicorn
from fastapi import FastAPI, Response
from pydantic import BaseModel, ConfigDict, Field

from .domain.sms import measure


class Incoming(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    to: str = Field(pattern=r"^\+[0-9]{6,15}$")
    sender: str = Field(alias="from", max_length=11)
    text: str = Field(min_length=1, max_length=1600)
    reference: str = Field(max_length=100)


def create_fake_provider() -> FastAPI:
    app = FastAPI(title="Fake SMS provider")
    received: list[dict[str, Any]] = []
    by_reference: dict[str, dict[str, Any]] = {}
    app.state.received = received
    app.state.down = False

    @app.post("/messages", status_code=202)
    async def take(message: Incoming, response: Response) -> dict[str, Any]:
        if app.state.down:
            response.status_code = 503
            return {"error": "unavailable"}
        if message.to.startswith("+999"):
            response.status_code = 400
            return {"error": "invalid number"}
        if message.reference in by_reference:
            return by_reference[message.reference]  # the same reference again: taken once
        length = measure(message.text)
        item = {
            "to": message.to,
            "from": message.sender,
            "text": message.text,
            "reference": message.reference,
            "encoding": length.encoding,
            "segments": length.segments,
        }
        received.append(item)
        by_reference[message.reference] = item
        return item

    @app.get("/messages")
    async def listed() -> list[dict[str, Any]]:
        return received

    return app


if __name__ == "__main__":
    uvicorn.run(
        create_fake_provider(), host="127.0.0.1", port=int(os.environ.get("FAKE_SMS_PORT", "8090"))
    )
