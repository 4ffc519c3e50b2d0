"""A personal part sealed with its own subject's key (a guest among many on one occurrence),
and a guest's key destroyed by a role that may destroy nothing else; against the real
PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest
from voimala_kit.personal import (
    DEV_KEK,
    Keyring,
    decode_kek,
    guest_subject,
    open_with,
    seal_with,
)

ANNA = {"name": "Anna Guest", "email": "anna.guest@example.fi"}
BO = {"name": "Bo Guest", "phone": "+358401112223"}
OWNER = {"name": "Carita Participant"}


def _event(occurrence: str, anna: str, bo: str) -> dict[str, Any]:
    """An occurrence's event naming two guests, each keyed by their own subject, and a part
    keyed by the envelope's subject (none named beside it)."""
    return {
        "occurrence_id": occurrence,
        "personal": OWNER,
        "registrants": [
            {"registration_id": anna, "personal_subject": guest_subject(anna), "personal": ANNA},
            {"registration_id": bo, "personal_subject": guest_subject(bo), "personal": BO},
        ],
    }


async def test_each_guest_is_sealed_with_their_own_key_and_erased_alone(
    keyring: Keyring,
) -> None:
    occurrence, anna, bo = (str(uuid.uuid4()) for _ in range(3))
    data = await keyring.seal_data(occurrence, _event(occurrence, anna, bo))
    first, second = data["registrants"]
    assert first["personal"]["key"] == guest_subject(anna)
    assert second["personal"]["key"] == guest_subject(bo)
    assert "key" not in data["personal"]  # the envelope's subject: the form as before
    assert "Anna" not in str(data)
    assert "Bo Guest" not in str(data)
    # A guest's part does not open with the occurrence's key: bound to the guest.
    occurrence_key = await keyring._key(occurrence)
    assert occurrence_key is not None
    assert open_with(occurrence_key, occurrence, first["personal"]) is None

    assert await keyring.open_data(occurrence, data) == (_event(occurrence, anna, bo), False)
    await keyring.destroy_guest(guest_subject(anna))
    opened, erased = await keyring.open_data(occurrence, data)
    assert erased
    assert opened["registrants"][0]["personal"] is None
    assert opened["registrants"][1]["personal"] == BO
    assert opened["personal"] == OWNER
    # Sealed for her again later (a replay): written erased, nothing of her in it.
    again = await keyring.seal_data(occurrence, _event(occurrence, anna, bo))
    assert "Anna" not in str(again)
    assert (await keyring.open_data(occurrence, again))[0]["registrants"][0]["personal"] is None


async def test_a_record_sealed_before_parts_named_their_key_still_opens(
    keyring: Keyring,
) -> None:
    """Records written before: every part sealed with the envelope subject's key, no `key`."""
    occurrence, registration = str(uuid.uuid4()), str(uuid.uuid4())
    await keyring.seal(occurrence, {"name": "makes the key"})
    key = await keyring._key(occurrence)
    assert key is not None
    old = {
        "registrants": [
            {"registration_id": registration, "personal": seal_with(key, occurrence, ANNA)}
        ]
    }
    opened, erased = await keyring.open_data(occurrence, old)
    assert not erased
    assert opened == {"registrants": [{"registration_id": registration, "personal": ANNA}]}


async def test_destroy_guest_refuses_any_subject_but_a_guests(keyring: Keyring) -> None:
    person = str(uuid.uuid4())
    sealed = await keyring.seal(person, OWNER)
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await keyring.destroy_guest(person)
    assert await keyring.open(person, sealed) == OWNER


async def test_a_writer_role_destroys_a_guests_key_and_nothing_else(
    keyring: Keyring, keyring_dsn: str
) -> None:
    """As deployed: events' role is in `keyring_writer` (read and add keys); the keyring
    owner's `destroy_guest_key` lets it destroy a guest's key, and only that."""
    role = f"kg_{uuid.uuid4().hex[:8]}"
    database = keyring_dsn.rsplit("/", 1)[1]
    admin = await asyncpg.connect(keyring_dsn)  # the session's superuser
    try:
        await admin.execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'keyring_writer')"
            " THEN CREATE ROLE keyring_writer NOLOGIN; END IF; END $$"
        )
        await admin.execute("GRANT SELECT, INSERT ON subject_keys TO keyring_writer")
        await admin.execute("GRANT SELECT ON destroyed_subjects TO keyring_writer")
        await admin.execute("GRANT EXECUTE ON FUNCTION destroy_guest_key(text) TO keyring_writer")
        await admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'kg' IN ROLE keyring_writer")
        await admin.execute(f'GRANT CONNECT ON DATABASE "{database}" TO {role}')
        host = keyring_dsn.split("@", 1)[1]
        writer = await Keyring.connect(f"postgresql://{role}:kg@{host}", decode_kek(DEV_KEK))
        try:
            guest, person = guest_subject(uuid.uuid4()), str(uuid.uuid4())
            for_guest = await writer.seal(guest, ANNA)
            for_person = await writer.seal(person, OWNER)
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await writer.destroy(guest)
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await writer.destroy_guest(person)
            await writer.destroy_guest(guest)
            await writer.destroy_guest(guest)  # twice: no error
            assert await writer.open(guest, for_guest) is None
            assert await writer.open(person, for_person) == OWNER
        finally:
            await writer.close()
    finally:
        await admin.execute(f'REVOKE ALL ON DATABASE "{database}" FROM {role}')
        await admin.execute(f"DROP ROLE {role}")
        await admin.close()
