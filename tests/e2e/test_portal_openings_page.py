"""Issue 14 in the portal, against a real matching service (its own database, served over
HTTP, fed through Kafka): a participant's openings say the skills in the page's language and
list the programme's occurrences that teach a missing skill, for them and for staff; the
employer's page of the same opening shows none of it. (The forms' vocabulary is the portal's
own test: services/portal/tests/test_openings_page.py.)"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from voimala_contracts import STRUCTURED, CloudEvent, new_event, topics
from voimala_contracts.participants import (
    LanguageSkill,
    MatchingProfile,
    ParticipantRegistered,
)
from voimala_contracts.scheduling import OccurrenceInfo, SeriesScheduled, Texts
from voimala_kit.testing import Browser, auth, wait_for
from voimala_portal.web.deps import Portal

from .conftest import portal_calling, post_opening, signed_in


@pytest.fixture
async def portal(portal_app: FastAPI, matching: str) -> AsyncIterator[Portal]:
    """The portal calling that matching service."""
    async with portal_calling(portal_app, matching_url=matching) as portal:
        yield portal


async def _send(producer: AIOKafkaProducer, topic: str, event: CloudEvent) -> None:
    await producer.send_and_wait(
        topic, value=event.to_json(), key=event.subject.encode(), headers=list(STRUCTURED)
    )


def _cafe(series_id: uuid.UUID, teaches: str, starts_at: datetime) -> SeriesScheduled:
    title = Texts(fi="Kielikahvila", sv="Språkcafé", en="Language café")
    occurrence = OccurrenceInfo(
        occurrence_id=uuid.uuid4(),
        series_id=series_id,
        category="language_cafe",
        title=title,
        location=Texts(fi="Voimala"),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=90),
        local_start=starts_at.strftime("%Y-%m-%dT%H:%M"),
        local_end=(starts_at + timedelta(minutes=90)).strftime("%Y-%m-%dT%H:%M"),
    )
    return SeriesScheduled(
        series_id=series_id,
        category="language_cafe",
        title=title,
        location=Texts(fi="Voimala"),
        audience="everyone",
        rrule="FREQ=WEEKLY;BYDAY=WE",
        first_date=starts_at.date(),
        local_start_time="14:00",
        local_end_time="15:30",
        occurrences=1,
        teaches=[teaches],
        upcoming=[occurrence],
    )


async def _opening(
    matching: str,
    token: Callable[..., str],
    skills: list[str],
    languages: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    opening: dict[str, Any] = {
        "type": "work_trial",
        "title": f"Siivoustyön kokeilu {uuid.uuid4().hex[:6]}",
        "required_skills": skills,
        "municipality": "Salo",
        "places": 1,
    }
    if languages:
        opening["languages"] = languages
    return await post_opening(matching, token, "Siivousyhdistys", opening)


async def _registered(producer: AIOKafkaProducer, skills: list[str], finnish: str) -> uuid.UUID:
    """A participant in Salo, registered with `skills` and Finnish at level `finnish`."""
    pid = uuid.uuid4()
    profile = MatchingProfile(
        skills=skills,
        languages=[LanguageSkill(code="fi", level=finnish)],
        municipality="Salo",
        matching_consent=True,
    )
    data = ParticipantRegistered(participant_id=pid, profile=profile)
    await _send(
        producer, topics.PARTICIPANTS, new_event(data, service="participants", subject=str(pid))
    )
    return pid


async def test_next_steps_for_the_participant_and_staff_never_the_employer(
    browser: Browser,
    portal: Portal,
    matching: str,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
) -> None:
    pid = await _registered(producer, ["siivous"], "native")
    taught = f"window film {uuid.uuid4().hex[:6]}"
    opening = await _opening(matching, token, ["cleaning", taught])
    series_id = uuid.uuid4()
    cafe = _cafe(series_id, taught, datetime.now(UTC) + timedelta(days=2))
    await _send(producer, topics.EVENTS, new_event(cafe, service="events", subject=str(series_id)))
    occurrence_id = str(cafe.upcoming[0].occurrence_id)

    me = await signed_in(browser, portal, "participant", str(pid))

    async def page_with_steps() -> str | None:
        r = await me.get("/me/openings?lang=fi")
        assert r.status_code == 200, r.text
        return r.text if occurrence_id in r.text else None

    page = await wait_for(page_with_steps, timeout=60)
    assert opening["title"] in page
    assert "Seuraavat askeleet" in page
    assert f"{taught} → Kielikahvila" in page
    assert "siivous" in page  # the required skill "cleaning" said in Finnish

    staff = await signed_in(browser, portal, "counsellor", "c-1")
    r = await staff.get(f"/staff/participants/{pid}/openings?lang=sv")
    assert r.status_code == 200, r.text
    assert "Nästa steg" in r.text
    assert f"{taught} → Språkcafé" in r.text

    partner_id = uuid.UUID(opening["partner_id"])
    boss = await signed_in(browser, portal, "employer", str(uuid.uuid4()), org=partner_id)
    r = await boss.get(f"/employer/openings/{opening['id']}?lang=en")
    assert r.status_code == 200, r.text
    assert "Next steps" not in r.text
    assert occurrence_id not in r.text
    assert "Language café" not in r.text
    # the participant's own openings are not the employer's to see
    r = await boss.get(f"/staff/participants/{pid}/openings")
    assert r.status_code in (302, 303, 403)


async def test_an_opening_missed_by_a_finnish_level_is_near_with_the_language_cafe(
    browser: Browser,
    portal: Portal,
    matching: str,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
) -> None:
    skill = f"pallet wrapping {uuid.uuid4().hex[:6]}"
    pid = await _registered(producer, [skill], "A2")
    opening = await _opening(matching, token, [skill], [{"code": "fi", "level": "B1"}])
    series_id = uuid.uuid4()
    cafe = _cafe(series_id, "Suomen kieli", datetime.now(UTC) + timedelta(minutes=30))
    await _send(producer, topics.EVENTS, new_event(cafe, service="events", subject=str(series_id)))

    def sections(page: str) -> tuple[str, str]:
        """The eligible part of a page, and its near opening's card (empty if none)."""
        eligible, _, near = page.partition('id="near"')
        card = near.partition(f'aria-labelledby="near-{opening["id"]}"')[2]
        return eligible, card.partition("</section>")[0]

    me = await signed_in(browser, portal, "participant", str(pid))

    async def near_with_steps() -> str | None:
        r = await me.get("/me/openings?lang=fi")
        assert r.status_code == 200, r.text
        return r.text if 'href="/events/' in sections(r.text)[1] else None

    page = await wait_for(near_with_steps, timeout=60)
    eligible, card = sections(page)
    assert opening["title"] not in eligible
    assert "Lähes sopivat: kielitaito puuttuu" in page.partition('id="near"')[2]
    assert opening["title"] in card
    assert "suomi: tarvitaan B1, nyt A2" in card
    # the steps are matching's for the language (the first occurrences teaching Finnish on a
    # broker other tests share: ours, or another test's café, which may arrive between two
    # reads), each linked to its event page and named as a step for Finnish
    own = auth(token("participant", subject=str(pid)))
    async with httpx.AsyncClient(base_url=matching) as client:
        r = await client.get(f"/participants/{pid}/openings", params={"near": 5}, headers=own)
    (found,) = [x for x in r.json() if x["opening"]["id"] == opening["id"]]
    assert {s["skill"] for s in found["explanation"]["next_steps"]} == {"finnish"}
    linked = re.findall(r'<a href="/events/([0-9a-f-]{36})">suomen kieli → ', card)
    assert linked
    assert len(linked) == card.count('<a href="/events/')

    staff = await signed_in(browser, portal, "counsellor", "c-1")
    r = await staff.get(f"/staff/participants/{pid}/openings?lang=sv")
    assert r.status_code == 200, r.text
    eligible, card = sections(r.text)
    assert opening["title"] not in eligible
    assert "Nästan passande: språkkunskap saknas" in r.text
    assert "finska: B1 krävs, nu A2" in card
    assert re.search(r'<a href="/events/[0-9a-f-]{36}">finska → ', card)
