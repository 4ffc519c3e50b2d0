"""Guests' own keys for a batch of registrations, made in the keyring in one statement
(handlers/registration_queue.py).

A guest's contact is sealed with a key of their own (`guest:<registration id>`, the
subject a guest's erasure destroys). `Keyring.seal` makes one key per call: one INSERT and
one commit in the keyring database per guest, a fifth of a registration's CPU in the
service when everyone registers at once. Here a batch's keys are made as the keyring makes
each (a random 256-bit key, wrapped by the keyring's key-encryption key, not made for a
subject already erased, never over a key that exists), in one statement.
"""

from __future__ import annotations

import os

from voimala_kit.personal import Keyring

# As the keyring's own get-or-create, for many subjects at once; a subject that has a key
# already or was erased is not returned (its part is sealed through the keyring as always).
_ADD = """
INSERT INTO subject_keys (subject, kek_id, wrapped)
SELECT k.subject, $2, k.wrapped FROM unnest($1::text[], $3::bytea[]) AS k(subject, wrapped)
WHERE NOT EXISTS (SELECT FROM destroyed_subjects d WHERE d.subject = k.subject)
ON CONFLICT (subject) DO NOTHING
RETURNING subject
"""


async def make_keys(keyring: Keyring, subjects: list[str]) -> dict[str, bytes]:
    """New keys for new subjects, committed in the keyring: those made, by subject."""
    if not subjects:
        return {}
    keys = {s: os.urandom(32) for s in subjects}
    # The keyring's own wrapping (kit: a `Keyring` call for many keys would replace this).
    wrapped = [keyring._wrap(s, keys[s]) for s in subjects]
    async with keyring.pool.acquire() as conn:
        rows = await conn.fetch(_ADD, subjects, keyring._kek_id, wrapped)
    return {r["subject"]: keys[r["subject"]] for r in rows}
