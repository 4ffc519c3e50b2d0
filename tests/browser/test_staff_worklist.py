"""/staff/worklist (issue 14): a participant who missed two events in a row is on the
counsellor's worklist (the no-shows published on the events topic as the events service does);
axe on the page in Finnish, Swedish and English; the counsellor marks the item done with a
note, without JavaScript, and the closed list shows it."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from voimala_contracts import new_event
from voimala_contracts.scheduling import AttendanceRecorded, OccurrenceInfo, Texts
from voimala_kit import issue_token
from voimala_kit.testing import wait_for

from .conftest import NewPage, Stack, check_page, sign_in_as

pytestmark = pytest.mark.browser


def _bearer(jwt_keys: tuple[Path, Path]) -> dict[str, str]:
    token = issue_token(jwt_keys[0].read_bytes(), role="counsellor", subject="browser-worklist")
    return {"Authorization": f"Bearer {token}"}


async def _missed_twice(stack: Stack, jwt_keys: tuple[Path, Path], kafka_bootstrap: str) -> str:
    """A new participant with two no-shows in a row; their name once the item is listed."""
    tag = uuid.uuid4().hex[:6]
    name = (f"Wilma{tag}", "Worklist")
    participants = stack.url("participants")
    async with httpx.AsyncClient(timeout=10) as http:
        r = await http.post(
            f"{participants}/participants",
            json={"given_name": name[0], "family_name": name[1], "preferred_language": "fi"},
            headers=_bearer(jwt_keys),
        )
        assert r.status_code == 201, r.text
        pid = uuid.UUID(r.json()["id"])
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        for days_ago in (8, 1):
            starts = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
            occurrence = OccurrenceInfo(
                occurrence_id=uuid.uuid4(),
                series_id=uuid.uuid4(),
                category="workshop",
                title=Texts(fi="Työnhakupaja"),
                location=Texts(fi="Salon pääkirjasto"),
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=2),
                local_start=f"{starts:%Y-%m-%dT%H:%M}",
                local_end=f"{starts:%Y-%m-%dT%H:%M}",
            )
            data = AttendanceRecorded(
                attendance_id=uuid.uuid4(),
                occurrence=occurrence,
                participant_id=pid,
                status="no_show",
                recorded_at=dt.datetime.now(dt.UTC),
            )
            key = str(occurrence.occurrence_id)
            event = new_event(data, service="events", subject=key)
            await producer.send_and_wait(data.TOPIC, event.to_json(), key=key.encode())
    finally:
        await producer.stop()

    async def listed() -> list[Any]:
        async with httpx.AsyncClient(timeout=10) as http:
            r = await http.get(f"{participants}/worklist", headers=_bearer(jwt_keys))
        return [i for i in r.json()["items"] if i["participant_id"] == str(pid)]

    await wait_for(listed, timeout=120, interval=0.5)
    return " ".join(name)


async def test_the_worklist_in_three_languages_and_an_item_closed_without_javascript(
    stack: Stack, new_page: NewPage, jwt_keys: tuple[Path, Path], kafka_bootstrap: str
) -> None:
    name = await _missed_twice(stack, jwt_keys, kafka_bootstrap)
    for lang in ("fi", "sv", "en"):
        page = await new_page(lang=lang)
        await sign_in_as(page, stack, "counsellor")
        await page.goto(f"{stack.portal}/staff/worklist?lang={lang}")
        assert name in await page.locator("main").inner_text()
        await check_page(page, f"staff-worklist-{lang}")

    page = await new_page(js=False, phone=True)
    await sign_in_as(page, stack, "counsellor")
    await page.goto(f"{stack.portal}/staff?lang=en")
    await page.get_by_role("link", name="Worklist").click()
    card = page.locator("li.card", has_text=name)
    await card.locator("textarea").fill("Called, comes on Thursday")
    await card.get_by_role("button", name="Mark done").click()
    await page.wait_for_load_state()
    assert "The item was marked done." in await page.locator("main").inner_text()
    await check_page(page, "staff-worklist-done-nojs")
    await page.goto(f"{stack.portal}/staff/worklist?status=done&lang=en")
    text = await page.locator("main").inner_text()
    assert name in text
    assert "Called, comes on Thursday" in text
