"""Many subjects' keys made in one statement in the real keyring (`Keyring.new_keys`, for a
burst of guests registering at once): each opens what it sealed as the keyring's own key does,
and a subject that has a key already, or was erased, gets none (the keyring keeps its own)."""

from __future__ import annotations

import uuid

from voimala_kit.personal import Keyring, seal_with


async def test_keys_made_at_once_are_the_keyrings_keys(keyring: Keyring) -> None:
    fresh = [f"guest:{uuid.uuid4()}" for _ in range(3)]
    had, erased = f"guest:{uuid.uuid4()}", f"guest:{uuid.uuid4()}"
    earlier = await keyring.seal(had, {"name": "A"})
    await keyring.seal(erased, {"name": "B"})
    await keyring.destroy_guest(erased)

    keys = await keyring.new_keys([*fresh, had, erased])

    assert sorted(keys) == sorted(fresh)
    for subject, key in keys.items():
        sealed = seal_with(key, subject, {"name": subject})
        assert await keyring.open(subject, sealed) == {"name": subject}
    assert await keyring.open(had, earlier) == {"name": "A"}  # its key is the one it had
    assert await keyring.seal(erased, {"name": "B"}) == {"sealed": "aes-256-gcm/v1", "erased": True}
    assert await keyring.new_keys([]) == {}
