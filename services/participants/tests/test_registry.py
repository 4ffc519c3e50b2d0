"""The registry's HTTP flows per role, its eligibility rules, the audit log, and bad input."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from voimala_contracts import topics
from voimala_kit.personal import Keyring
from voimala_kit.testing import auth, opened, read_topic, wait_for
from voimala_participants.api.schemas import ParticipantOut

from .conftest import failed_fields, person, problem


@pytest.fixture
def coordinator(token: Callable[..., str]) -> dict[str, str]:
    return auth(token("coordinator", subject="coordinator-1"))


@pytest.fixture
def counsellor(token: Callable[..., str]) -> dict[str, str]:
    return auth(token("counsellor", subject="counsellor-1"))


async def _register(client: httpx.AsyncClient, headers: dict[str, str], **over: Any) -> Any:
    r = await client.post("/participants", json=person(**over), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


# Registering: eligibility and what is computed


async def test_the_full_record_is_kept_and_the_target_group_computed(
    client: httpx.AsyncClient, coordinator: dict[str, str]
) -> None:
    born = date(datetime.now(UTC).year - 25, 3, 1)
    uri = "http://data.europa.eu/esco/skill/0e5dd2c4-0f0a-4d1c-8f38-3f6f1d1f7e8b"
    body = await _register(
        client,
        coordinator,
        birth_year=None,
        birth_date=born.isoformat(),
        gender="female",
        preferred_channel="sms",
        education_level=3,
        skills=["forklift"],
        skill_uris={"forklift": uri},
        work_history="Warehouse work 2019-2023",
        goals="A steady job in logistics",
        availability=["full_time", "shifts"],
        subsidy_days=520,
        referral_source="employment_services",
        wants_mentor=True,
    )
    assert body["birth_date"] == born.isoformat()
    assert body["birth_year"] == born.year
    assert body["youth"] is True
    assert body["age_group"] == "under_30"
    assert body["target_group"] == "subsidy_500_plus"
    assert body["skill_uris"] == {"forklift": uri}
    assert body["availability"] == ["full_time", "shifts"]
    assert body["preferred_channel"] == "sms"
    assert body["episode"] == 1


async def test_reads_show_exactly_what_the_documented_model_shows(
    client: httpx.AsyncClient, coordinator: dict[str, str]
) -> None:
    # Every answer renders straight from the stored row, not through ParticipantOut (the
    # documented model): each must validate as it, round-trip unchanged and hold its fields,
    # and registering, reading and listing must show the same JSON.
    uri = "http://data.europa.eu/esco/skill/0e5dd2c4-0f0a-4d1c-8f38-3f6f1d1f7e8b"
    full = await _register(
        client,
        coordinator,
        birth_year=None,
        birth_date="1990-12-31",
        gender="other",
        education_level=6,
        skills=["welding", "Forklift"],
        skill_uris={"welding": uri},
        languages=[{"code": "sv", "level": "C1"}, {"code": "uk", "level": "native"}],
        work_history='Ääkköset ja "lainausmerkit" säilyvät',
        goals="Hitsaajaksi",
        availability=["part_time"],
        subsidy_days=300,
        referral_source="career_coaching",
        wants_mentor=True,
    )
    sparse = await _register(
        client, coordinator, birth_year=None, phone=None, skills=[], languages=[]
    )
    for created in (full, sparse):
        r = await client.get(f"/participants/{created['id']}", headers=coordinator)
        assert r.status_code == 200, r.text
        assert r.json() == created
        assert set(r.json()) == set(ParticipantOut.model_fields)
        assert ParticipantOut.model_validate_json(r.content).model_dump(mode="json") == r.json()
        listed = await client.get(
            "/participants", params={"q": created["family_name"]}, headers=coordinator
        )
        assert listed.json() == {"items": [created], "next_cursor": None}


@pytest.mark.parametrize(
    ("extra", "group"),
    [
        ({"subsidy_days": 500}, "subsidy_500_plus"),
        ({"subsidy_days": 499}, "subsidy_300_499"),
        ({"subsidy_days": 300}, "subsidy_300_499"),
        ({"subsidy_days": 299}, None),
        ({"subsidy_days": 100, "referral_reason": "long illness"}, "referred_by_staff"),
        ({"referral_reason": "returning from abroad"}, "referred_by_staff"),
        ({}, None),
    ],
)
async def test_the_target_group_follows_subsidy_days_or_a_staff_referral(
    client: httpx.AsyncClient, coordinator: dict[str, str], extra: dict[str, Any], group: Any
) -> None:
    body = await _register(client, coordinator, **extra)
    assert body["target_group"] == group


async def test_youth_cannot_be_typed_in(
    client: httpx.AsyncClient, coordinator: dict[str, str]
) -> None:
    r = await client.post("/participants", json=person(youth=True), headers=coordinator)
    assert failed_fields(problem(r, 422)) == {("body", "youth")}


async def test_a_second_registration_of_an_email_is_a_409_pointing_at_the_first(
    client: httpx.AsyncClient, coordinator: dict[str, str], db: asyncpg.Connection
) -> None:
    first = await _register(client, coordinator)
    again = person(email=first["email"].upper())
    r = await client.post("/participants", json=again, headers=coordinator)

    body = problem(r, 409)
    assert body["existing_participant_id"] == first["id"]
    assert r.headers["location"] == f"/participants/{first['id']}"
    assert first["email"] not in r.text
    # Nothing half-written: no second row, no events, no consents for the refused one.
    rows = await db.fetchval(
        "SELECT count(*) FROM participant WHERE lower(email) = lower($1)", first["email"]
    )
    assert rows == 1
    assert (
        await db.fetchval(
            "SELECT count(*) FROM outbox WHERE payload::text LIKE $1", f"%{again['given_name']}%"
        )
        == 0
    )


# Bad input


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "aino@"}, "email"),
        ({"phone": "+35840"}, "phone"),
        ({"birth_date": "2001-02-30"}, "birth_date"),
        ({"birth_date": "2999-01-01"}, "birth_date"),
        ({"birth_year": 3000}, "birth_year"),
        ({"preferred_language": "de"}, "preferred_language"),
        ({"preferred_channel": "pigeon"}, "preferred_channel"),
        ({"gender": "x"}, "gender"),
        ({"availability": ["sometimes"]}, "availability"),
        ({"referral_source": "friend"}, "referral_source"),
        ({"education_level": 9}, "education_level"),
        ({"subsidy_days": -1}, "subsidy_days"),
        ({"languages": [{"code": "fi", "level": "Z9"}]}, "languages"),
        ({"languages": [{"code": "fi", "level": "B1", "extra": 1}]}, "languages"),
        ({"skill_uris": {"forklift": "https://example.com/x"}}, "skill_uris"),
        ({"consents": {"marketing": True}}, "consents"),
        ({"nickname": "A"}, "nickname"),
        ({"entered_on": "2999-01-01"}, "entered_on"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field(
    client: httpx.AsyncClient,
    coordinator: dict[str, str],
    db: asyncpg.Connection,
    overrides: dict[str, Any],
    field: str,
) -> None:
    sent = person(**overrides)
    r = await client.post("/participants", json=sent, headers=coordinator)

    body = problem(r, 422)
    assert {loc[1] for loc in failed_fields(body)} == {field}
    assert sent["given_name"] not in r.text
    assert (
        await db.fetchval("SELECT count(*) FROM participant WHERE email = $1", sent["email"]) == 0
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"birth_date": "1990-05-01", "birth_year": 1991}, "birth_year"),
        (
            {
                "skills": ["welding"],
                "skill_uris": {
                    "forklift": "http://data.europa.eu/esco/skill/0e5dd2c4-0f0a-4d1c-8f38-3f6f1d1f7e8b"
                },
            },
            "skill_uris",
        ),
        ({"consents": {"registry": False}}, "consents"),
        ({"matching_consent": True, "consents": {"matching": False}}, "matching_consent"),
    ],
)
async def test_rules_across_fields_are_422s_naming_the_field(
    client: httpx.AsyncClient,
    coordinator: dict[str, str],
    overrides: dict[str, Any],
    field: str,
) -> None:
    r = await client.post("/participants", json=person(**overrides), headers=coordinator)
    assert failed_fields(problem(r, 422)) == {("body", field)}


# Reading, correcting and listing, by role


async def test_the_participant_reads_and_corrects_their_own_record_but_not_eligibility(
    client: httpx.AsyncClient, coordinator: dict[str, str], token: Callable[..., str]
) -> None:
    me = await _register(client, coordinator)
    own = auth(token("participant", subject=me["id"]))

    r = await client.get(f"/participants/{me['id']}", headers=own)
    assert r.status_code == 200, r.text

    r = await client.patch(
        f"/participants/{me['id']}",
        json={"phone": "040 765 4321", "goals": "Work in a kitchen", "municipality": None},
        headers=own,
    )
    assert r.status_code == 200, r.text
    assert r.json()["phone"] == "+358407654321"
    assert r.json()["goals"] == "Work in a kitchen"
    assert r.json()["municipality"] is None
    assert r.json()["email"] == me["email"]  # untouched

    r = await client.patch(f"/participants/{me['id']}", json={"subsidy_days": 900}, headers=own)
    assert problem(r, 403)["fields"] == ["subsidy_days"]


async def test_a_participant_reaches_no_one_elses_record(
    client: httpx.AsyncClient, coordinator: dict[str, str], token: Callable[..., str]
) -> None:
    other = await _register(client, coordinator)
    me = auth(token("participant", subject=str(uuid.uuid4())))
    pid = other["id"]
    for method, path, body in [
        ("GET", f"/participants/{pid}", None),
        ("PATCH", f"/participants/{pid}", {"goals": "x"}),
        ("GET", f"/participants/{pid}/consents", None),
        ("POST", f"/participants/{pid}/consents", {"purpose": "matching", "granted": False}),
        ("GET", f"/participants/{pid}/timeline", None),
        ("GET", f"/participants/{pid}/episodes", None),
    ]:
        r = await client.request(method, path, json=body, headers=me)
        problem(r, 403)
    problem(await client.get("/participants", headers=me), 403)


@pytest.mark.parametrize("role", ["employer", "mentor", "ops"])
async def test_no_one_else_reads_or_writes_personal_data(
    client: httpx.AsyncClient,
    coordinator: dict[str, str],
    token: Callable[..., str],
    role: str,
) -> None:
    pid = (await _register(client, coordinator))["id"]
    headers = auth(token(role, subject=pid))  # even with the participant's id as subject
    for method, path, body in [
        ("POST", "/participants", person()),
        ("GET", "/participants", None),
        ("GET", f"/participants/{pid}", None),
        ("PATCH", f"/participants/{pid}", {"goals": "x"}),
        ("GET", f"/participants/{pid}/consents", None),
        ("POST", f"/participants/{pid}/consents", {"purpose": "matching", "granted": False}),
        ("GET", f"/participants/{pid}/timeline", None),
        ("GET", f"/participants/{pid}/episodes", None),
        ("POST", f"/participants/{pid}/exit", {"exit_date": "2026-01-01", "outcome": "other"}),
        ("POST", f"/participants/{pid}/return", {}),
        ("POST", "/visits", {"purpose": "information"}),
        ("GET", "/visits", None),
        ("GET", "/ideas", None),
    ]:
        r = await client.request(method, path, json=body, headers=headers)
        assert r.status_code == 403, (role, method, path, r.text)


async def test_counsellors_correct_eligibility_and_events_follow(
    client: httpx.AsyncClient,
    coordinator: dict[str, str],
    counsellor: dict[str, str],
    db: asyncpg.Connection,
    kafka_bootstrap: str,
    keyring: Keyring,
) -> None:
    pid = (await _register(client, coordinator))["id"]
    r = await client.patch(
        f"/participants/{pid}", json={"subsidy_days": 310, "status": "paused"}, headers=counsellor
    )
    assert r.status_code == 200, r.text
    assert r.json()["target_group"] == "subsidy_300_499"
    assert r.json()["status"] == "paused"

    r = await client.patch(
        f"/participants/{pid}", json={"email": f"new.{pid}@example.fi"}, headers=counsellor
    )
    assert r.status_code == 200, r.text

    async def published() -> list[Any] | None:
        records = await read_topic(kafka_bootstrap, topics.PARTICIPANTS)
        mine = [json.loads(r.value) for r in records if r.key == pid.encode()]
        return mine if len(mine) >= 6 else None

    events = await wait_for(published, timeout=60)
    assert [e["type"] for e in events[4:]] == [
        "participant.profile_updated.v1",  # subsidy days and status: the matching profile
        "participant.contact_changed.v1",  # the e-mail: only the contact
    ]
    profile = events[4]["data"]["profile"]
    assert (profile["target_group"], profile["status"]) == ("subsidy_300_499", "paused")
    assert f"new.{pid}@example.fi" not in json.dumps(events[5])  # sealed on the topic
    assert (await opened(keyring, events[5]))["data"]["personal"][
        "email"
    ] == f"new.{pid}@example.fi"
    rows = await db.fetch(
        "SELECT kind, detail FROM timeline_entry WHERE participant_id = $1 ORDER BY id",
        uuid.UUID(pid),
    )
    updates = [
        json.loads(r["detail"])["fields"] for r in rows if r["kind"] == "participant.updated"
    ]
    assert updates == [["status", "subsidy_days"], ["email"]]
    assert "new." not in json.dumps([dict(r) for r in rows], default=str)


async def test_an_update_to_a_taken_email_is_a_409_and_nothing_changes(
    client: httpx.AsyncClient, coordinator: dict[str, str]
) -> None:
    first = await _register(client, coordinator)
    second = await _register(client, coordinator)
    r = await client.patch(
        f"/participants/{second['id']}",
        json={"email": first["email"], "goals": "g"},
        headers=coordinator,
    )
    assert problem(r, 409)["existing_participant_id"] == first["id"]
    r = await client.get(f"/participants/{second['id']}", headers=coordinator)
    assert r.json()["email"] == second["email"]
    assert r.json()["goals"] is None


async def test_a_participant_learns_neither_whether_nor_whose_an_email_is(
    client: httpx.AsyncClient, coordinator: dict[str, str], token: Callable[..., str]
) -> None:
    """A participant changing their own e-mail to another's got the other's id and a Location:
    the programme's membership, person by person. To them the refusal now names no one; staff
    keep the id and Location (they may read the other record anyway)."""
    first = await _register(client, coordinator)
    me = await _register(client, coordinator)
    own = auth(token("participant", subject=me["id"]))
    for taken in (first["email"], first["email"].upper()):
        r = await client.patch(f"/participants/{me['id']}", json={"email": taken}, headers=own)
        body = problem(r, 409)
        assert "location" not in r.headers
        assert first["id"] not in r.text
        assert first["id"].replace("-", "") not in r.text.replace("-", "")
        assert taken not in r.text
        assert set(body) == {"type", "title", "status", "detail", "instance"}
        assert "registered" not in body["title"].lower() + body["detail"].lower()
    r = await client.get(f"/participants/{me['id']}", headers=coordinator)
    assert r.json()["email"] == me["email"]
    r = await client.patch(
        f"/participants/{me['id']}", json={"email": first["email"]}, headers=coordinator
    )
    assert problem(r, 409)["existing_participant_id"] == first["id"]
    assert r.headers["location"] == f"/participants/{first['id']}"


async def test_a_required_name_cannot_be_cleared(
    client: httpx.AsyncClient, coordinator: dict[str, str]
) -> None:
    pid = (await _register(client, coordinator))["id"]
    r = await client.patch(f"/participants/{pid}", json={"given_name": None}, headers=coordinator)
    assert failed_fields(problem(r, 422)) == {("body", "given_name")}
    r = await client.patch(f"/participants/{pid}", json={"status": "exited"}, headers=coordinator)
    assert failed_fields(problem(r, 422)) == {("body", "status")}


async def test_the_list_filters(client: httpx.AsyncClient, coordinator: dict[str, str]) -> None:
    tag = uuid.uuid4().hex[:8]
    young = await _register(
        client,
        coordinator,
        family_name=f"Filterfamily{tag}",
        birth_year=datetime.now(UTC).year - 20,
        skills=[f"welding{tag}"],
        languages=[{"code": "uk", "level": "native"}],
        subsidy_days=600,
    )
    older = await _register(
        client,
        coordinator,
        family_name=f"Filterfamily{tag}",
        birth_year=1970,
        skills=[f"welding{tag}", "baking"],
        languages=[{"code": "fi", "level": "B1"}],
        referral_reason="staff saw a need",
    )

    async def ids(**params: Any) -> set[str]:
        r = await client.get(
            "/participants", params={"q": f"filterfamily{tag}", **params}, headers=coordinator
        )
        assert r.status_code == 200, r.text
        return {p["id"] for p in r.json()["items"]}

    assert await ids() == {young["id"], older["id"]}
    assert await ids(youth="true") == {young["id"]}
    assert await ids(youth="false") == {older["id"]}
    assert await ids(target_group="subsidy_500_plus") == {young["id"]}
    assert await ids(target_group="referred_by_staff") == {older["id"]}
    assert await ids(language="uk") == {young["id"]}
    assert await ids(language="fi") == {older["id"]}
    assert await ids(language="fi", language_level="B1") == {older["id"]}
    assert await ids(language="fi", language_level="B2") == set()
    problem(await client.get("/participants?language_level=B1", headers=coordinator), 422)
    problem(
        await client.get("/participants?language=fi&language_level=Z", headers=coordinator), 422
    )
    assert await ids(skill="baking") == {older["id"]}
    assert await ids(status="paused") == set()
    problem(await client.get("/participants?status=gone", headers=coordinator), 422)
    problem(await client.get("/participants?target_group=x", headers=coordinator), 422)


# The audit log


async def test_every_read_is_audited_with_who_and_why_and_shown_to_coordinators(
    client: httpx.AsyncClient,
    coordinator: dict[str, str],
    counsellor: dict[str, str],
    token: Callable[..., str],
) -> None:
    pid = (await _register(client, coordinator))["id"]
    await client.get(
        f"/participants/{pid}", headers=counsellor | {"X-Purpose": "job interview prep"}
    )
    await client.get(f"/participants/{pid}/consents?purpose=consent check", headers=coordinator)
    await client.get(f"/participants/{pid}", headers=auth(token("participant", subject=pid)))

    for reader in (coordinator, auth(token("ops"))):
        r = await client.get(f"/participants/{pid}/audit", headers=reader)
        assert r.status_code == 200, r.text
        trail = [(e["actor"], e["action"], e["purpose"]) for e in r.json()["items"]]
        assert trail[:3] == [
            (pid, "read_profile", "case_work"),
            ("coordinator-1", "read_consents", "consent check"),
            ("counsellor-1", "read_profile", "job interview prep"),
        ]
    problem(await client.get(f"/participants/{pid}/audit", headers=counsellor), 403)
    problem(await client.get(f"/participants/{pid}/audit", headers=auth(token("employer"))), 403)


async def test_a_listed_participant_is_an_audited_read(
    client: httpx.AsyncClient, coordinator: dict[str, str]
) -> None:
    tag = uuid.uuid4().hex[:8]
    pid = (await _register(client, coordinator, family_name=f"Listed{tag}"))["id"]
    r = await client.get(
        "/participants",
        params={"q": f"listed{tag}"},
        headers=coordinator | {"X-Purpose": "weekly review"},
    )
    assert [p["id"] for p in r.json()["items"]] == [pid]
    r = await client.get(f"/participants/{pid}/audit", headers=coordinator)
    assert ("list", "weekly review") in [(e["action"], e["purpose"]) for e in r.json()["items"]]


async def test_an_unreadable_purpose_is_a_422(
    client: httpx.AsyncClient, coordinator: dict[str, str]
) -> None:
    pid = (await _register(client, coordinator))["id"]
    r = await client.get(f"/participants/{pid}", headers=coordinator | {"X-Purpose": "x" * 300})
    assert failed_fields(problem(r, 422)) == {("header", "x-purpose")}


async def test_a_read_of_an_unknown_participant_writes_no_audit_row(
    client: httpx.AsyncClient, coordinator: dict[str, str], db: asyncpg.Connection
) -> None:
    ghost = uuid.uuid4()
    problem(await client.get(f"/participants/{ghost}", headers=coordinator), 404)
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE participant_id = $1", ghost) == 0


async def test_the_openapi_document_describes_every_endpoint(client: httpx.AsyncClient) -> None:
    r = await client.get("/openapi.json")
    assert r.status_code == 200, r.text
    paths = r.json()["paths"]
    for path in (
        "/participants",
        "/participants/{participant_id}",
        "/participants/{participant_id}/consents",
        "/participants/{participant_id}/timeline",
        "/participants/{participant_id}/audit",
        "/visits",
        "/ideas",
        "/reports/programme",
    ):
        assert path in paths, path
    read = paths["/participants/{participant_id}"]["get"]
    schema = read["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("ParticipantOut")
    # The bearer scheme and the reason for reading are documented on the audited read.
    assert read["security"] == [{"bearer": []}]
    assert r.json()["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert {"x-purpose", "purpose"} <= {p["name"].lower() for p in read["parameters"]}
