from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


class MessageOut(BaseModel):
    id: uuid.UUID
    channel: str
    template: str
    language: str
    subject: str
    body: str
    status: str
    created_at: datetime
    sent_at: datetime | None
    read_at: datetime | None
