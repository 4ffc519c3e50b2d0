"""Personal data in events, encrypted with a key per person: erasure destroys the key.

Every `personal` part of an event's data (at any depth: a guest's contact inside a list of
registrants too) is sealed by the outbox before it is stored, with the data key of the
envelope's `subject` (the person, or the aggregate the event is about), and opened by the
consumer before the handler's model sees it. Kafka keeps what it was given for as long as it
keeps anything; once the subject's key is destroyed, nothing sealed with it can be read again,
on any topic or dead-letter topic, in any replay (crypto-shredding).

A part may name its own key: when the object holding `personal` also holds
`personal_subject` (the contract says so, e.g. a guest's `guest:<registration id>`), that
part is sealed with that subject's key instead, and the sealed form says which (`"key"`), so
that the consumer opens it with the right one and one guest among many on an occurrence can be
erased alone. Sealed forms without `"key"` (every record written before) open with the
envelope's subject as they always did.

The keys live in one PostgreSQL database, `keyring` (a stand-in for a KMS): per subject a
random 256-bit data key, wrapped (AES-256-GCM) by the key-encryption key from settings
(`VOIMALA_KEYRING_KEK`), which never enters the database. Nothing is cached: every open reads
the key, so a destroyed key is gone for the next open in every process (one indexed read,
~0.2 ms locally; measured in libs/kit/tests/test_personal.py).
"""

from __future__ import annotations

import base64
import hashlib
import os
import zlib
from collections.abc import Sequence
from typing import Any

import asyncpg
import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from prometheus_client import Counter

from .errors import TransientError
from .logging import get_logger

__all__ = [
    "DEV_KEK",
    "GUEST",
    "PERSONAL_ERASED",
    "SCHEMA",
    "SEALED",
    "Keyring",
    "KeyringError",
    "contains_sealed",
    "guest_subject",
    "is_sealed",
]

log = get_logger(__name__)

#: The version tag of a sealed part; a later format gets a new one and both are read.
SEALED = "aes-256-gcm/v1"
#: The development and test key-encryption key (base64 of 32 bytes). Refused in production.
DEV_KEK = base64.b64encode(b"voimala-dev-kek-not-for-real-use").decode()
#: A sealed part whose plaintext is longer than this is compressed first (an access export
#: is large; base64 would otherwise add a third to it on a topic limited to 1 MB a record).
_COMPRESS_OVER = 1024
#: The field beside a `personal` part that names the subject whose key seals it.
KEY_FIELD = "personal_subject"
#: The prefix of a guest's key subject (a resident without a participant id): the only keys
#: a service other than the keyring's owner may destroy (through `destroy_guest_key`).
GUEST = "guest:"

#: The keyring's one table. The role that owns the `keyring` database (participants: the one
#: that erases) creates it at start and grants reading and adding to `keyring_writer`, the
#: group of every other service's role: only the owner may delete (destroy) or rewrap.
SCHEMA = """
CREATE TABLE IF NOT EXISTS subject_keys (
    subject    text PRIMARY KEY,
    kek_id     text NOT NULL,
    wrapped    bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
-- A subject whose key was destroyed never gets a new one: what is sealed for them later (a
-- late event, a replay) is written already erased.
CREATE TABLE IF NOT EXISTS destroyed_subjects (
    subject      text PRIMARY KEY,
    destroyed_at timestamptz NOT NULL DEFAULT now()
);
DO $$
BEGIN
    -- Made by a superuser (tests, a first start by hand): the database's owner owns it still.
    EXECUTE format('ALTER TABLE subject_keys OWNER TO %I', (
        SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()));
    EXECUTE format('ALTER TABLE destroyed_subjects OWNER TO %I', (
        SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()));
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'keyring_writer') THEN
        GRANT SELECT, INSERT ON subject_keys TO keyring_writer;
        GRANT SELECT ON destroyed_subjects TO keyring_writer;
    END IF;
END
$$;
-- The one destruction the other services may do: a guest's key (subject `guest:…`), for the
-- events service's guest erasure. Runs as the keyring's owner; refuses any other subject.
CREATE OR REPLACE FUNCTION destroy_guest_key(guest text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $fn$
BEGIN
    IF guest IS NULL OR left(guest, 6) <> 'guest:' THEN
        RAISE EXCEPTION 'only a guest''s key may be destroyed here' USING ERRCODE = '42501';
    END IF;
    DELETE FROM subject_keys WHERE subject = guest;
    INSERT INTO destroyed_subjects (subject) VALUES (guest) ON CONFLICT (subject) DO NOTHING;
END
$fn$;
REVOKE ALL ON FUNCTION destroy_guest_key(text) FROM PUBLIC;
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION destroy_guest_key(text) OWNER TO %I', (
        SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()));
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'keyring_writer') THEN
        GRANT EXECUTE ON FUNCTION destroy_guest_key(text) TO keyring_writer;
    END IF;
END
$$;
"""
_HAS_SCHEMA = """
SELECT to_regclass('destroyed_subjects') IS NOT NULL,
       to_regprocedure('destroy_guest_key(text)') IS NOT NULL
"""

_GET = "SELECT kek_id, wrapped FROM subject_keys WHERE subject = $1"
_DESTROYED = "SELECT EXISTS (SELECT FROM destroyed_subjects WHERE subject = $1)"
_DESTROY = """
WITH gone AS (DELETE FROM subject_keys WHERE subject = $1)
INSERT INTO destroyed_subjects (subject) VALUES ($1) ON CONFLICT (subject) DO NOTHING
"""
#: What stands in a sealed part's place when its subject was erased before it was sealed.
_ERASED: dict[str, Any] = {"sealed": SEALED, "erased": True}
_GET_OR_CREATE = """
WITH added AS (
    INSERT INTO subject_keys (subject, kek_id, wrapped)
    SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT FROM destroyed_subjects WHERE subject = $1)
    ON CONFLICT (subject) DO NOTHING
    RETURNING kek_id, wrapped
)
SELECT kek_id, wrapped FROM added
UNION ALL
SELECT kek_id, wrapped FROM subject_keys WHERE subject = $1
LIMIT 1
"""
# The get-or-create above for many new subjects at once: a subject that has a key already or
# was erased is not returned (its part is sealed through `seal` as always).
_CREATE_MANY = """
INSERT INTO subject_keys (subject, kek_id, wrapped)
SELECT k.subject, $2, k.wrapped FROM unnest($1::text[], $3::bytea[]) AS k(subject, wrapped)
WHERE NOT EXISTS (SELECT FROM destroyed_subjects d WHERE d.subject = k.subject)
ON CONFLICT (subject) DO NOTHING
RETURNING subject
"""

PERSONAL_ERASED = Counter(
    "voimala_events_personal_erased_total",
    "Events whose personal part could not be opened because its key was destroyed "
    "(skipped when the handler needs it, passed on without it otherwise)",
    ["service", "type"],
)


async def _no_reset(conn: asyncpg.Connection) -> None:
    """Skip asyncpg's reset query on release (a round trip per key read or made): the keyring
    sets no session state (no SET, LISTEN or session advisory lock); asyncpg still rolls back
    an open transaction."""


class KeyringError(RuntimeError):
    """The keyring cannot be used (no key-encryption key, no table): a setup mistake."""


class TransientKeyError(TransientError):
    """A key was destroyed at the very moment another process made it: try again."""


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def decode_kek(value: str) -> bytes:
    """A key-encryption key from settings: base64 of exactly 32 bytes."""
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError:
        raise KeyringError("the key-encryption key is not base64") from None
    if len(raw) != 32:
        raise KeyringError("the key-encryption key must be 32 bytes (base64)")
    return raw


def kek_id(kek: bytes) -> str:
    """Which key-encryption key wrapped a row (a fingerprint, not the key)."""
    return hashlib.sha256(b"voimala-kek-id\0" + kek).hexdigest()[:16]


def guest_subject(guest_id: object) -> str:
    """The key subject of a guest (a registration id, or another id of theirs)."""
    return f"{GUEST}{guest_id}"


def is_sealed(value: object) -> bool:
    return isinstance(value, dict) and value.get("sealed") == SEALED


def contains_sealed(value: object) -> bool:
    """Whether an event's data holds a sealed part anywhere."""
    if isinstance(value, dict):
        if is_sealed(value):
            return True
        return any(contains_sealed(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_sealed(v) for v in value)
    return False


def has_personal(value: object) -> bool:
    """Whether an event's data holds a `personal` part that is not sealed yet."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "personal" and isinstance(item, dict) and not is_sealed(item):
                return True
            if has_personal(item):
                return True
    elif isinstance(value, list):
        return any(has_personal(v) for v in value)
    return False


def _ad(kind: bytes, subject: str) -> bytes:
    return b"voimala/" + kind + b"/v1\0" + subject.encode()


class Keyring:
    """Seals, opens and destroys personal parts by subject; owns a small connection pool."""

    def __init__(
        self, pool: asyncpg.Pool, kek: bytes, old_keks: Sequence[bytes] = (), service: str = ""
    ) -> None:
        self.pool = pool
        self.service = service
        self._kek = AESGCM(kek)
        self._kek_id = kek_id(kek)
        self._keks = {kek_id(k): AESGCM(k) for k in old_keks} | {self._kek_id: self._kek}

    @classmethod
    async def connect(
        cls,
        dsn: str,
        kek: bytes,
        *,
        old_keks: Sequence[bytes] = (),
        service: str = "",
        max_size: int = 2,
        command_timeout: float = 10.0,
    ) -> Keyring:
        """Open the pool and make sure the table is there (creating it if this role may)."""
        pool = await asyncpg.create_pool(
            dsn,
            min_size=0,
            max_size=max_size,
            command_timeout=command_timeout,
            server_settings={"application_name": f"{service or 'voimala'}-keyring"},
            reset=_no_reset,
        )
        keyring = cls(pool, kek, old_keks, service)
        try:
            await keyring.ensure_schema()
        except BaseException:
            await pool.close()
            raise
        return keyring

    async def ensure_schema(self) -> None:
        """Create the table if missing; a role that may not create it waits for the owner's."""
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(_HAS_SCHEMA)
            tables, function = (bool(row[0]), bool(row[1])) if row else (False, False)
            if tables and function:
                return
            try:
                await conn.execute(SCHEMA)
            except asyncpg.InsufficientPrivilegeError:
                if tables:  # an older owner's schema: only a guest's erasure waits for it
                    return
                # Not the owner (participants creates it): start-up retries until it exists.
                raise ConnectionError("the keyring table does not exist yet") from None

    async def close(self) -> None:
        await self.pool.close()

    # --- keys ---------------------------------------------------------------------------

    def _wrap(self, subject: str, key: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._kek.encrypt(nonce, key, _ad(b"key", subject))

    def _unwrap(self, subject: str, row: asyncpg.Record) -> bytes:
        kek = self._keks.get(row["kek_id"])
        if kek is None:
            raise KeyringError("a key is wrapped by a key-encryption key this process lacks")
        wrapped = bytes(row["wrapped"])
        return kek.decrypt(wrapped[:12], wrapped[12:], _ad(b"key", subject))

    async def _key(self, subject: str) -> bytes | None:
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(_GET, subject)
        return None if row is None else self._unwrap(subject, row)

    async def _key_or_new(self, subject: str) -> bytes | None:
        """The subject's key, made now if it has none (race-safe across processes); None for
        a subject whose key was destroyed: they never get a new one."""
        fresh = self._wrap(subject, AESGCM.generate_key(bit_length=256))
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(_GET_OR_CREATE, subject, self._kek_id, fresh)
            if row is None:
                # Another process added it after this statement's snapshot was taken:
                # a new statement sees it.
                row = await conn.fetchrow(_GET, subject)
            if row is None and await conn.fetchval(_DESTROYED, subject):
                return None
        if row is None:
            raise TransientKeyError("the key was destroyed while it was being made")
        return self._unwrap(subject, row)

    async def new_keys(self, subjects: list[str]) -> dict[str, bytes]:
        """Keys for many new subjects made in one statement (and committed), by subject: for
        a burst of new subjects (guests registering at once) instead of a statement and a
        commit each. A subject that has a key already or was erased gets none here; seal its
        part with `seal` as always. Seal with a returned key by `seal_with`."""
        if not subjects:
            return {}
        keys = {s: AESGCM.generate_key(bit_length=256) for s in subjects}
        wrapped = [self._wrap(s, keys[s]) for s in subjects]
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(_CREATE_MANY, subjects, self._kek_id, wrapped)
        return {r["subject"]: keys[r["subject"]] for r in rows}

    # --- the three operations -------------------------------------------------------------

    async def seal(self, subject: str, personal: dict[str, Any]) -> dict[str, Any]:
        """The sealed, JSON-safe form of one personal part, bound to its subject."""
        key = await self._key_or_new(subject)
        return dict(_ERASED) if key is None else seal_with(key, subject, personal)

    async def open(self, subject: str, sealed: dict[str, Any]) -> dict[str, Any] | None:
        """The personal part again; None when the subject's key was destroyed."""
        key = await self._key(subject)
        return None if key is None else open_with(key, subject, sealed)

    async def destroy(self, subject: str) -> None:
        """Crypto-shredding: whatever was sealed for this subject can never be opened again."""
        async with self.pool.acquire() as conn:
            await conn.execute(_DESTROY, subject)

    async def destroy_guest(self, subject: str) -> None:
        """Destroy a guest's key (`guest:…`) as any service's role may: through the keyring
        owner's `destroy_guest_key`, which refuses every other subject."""
        async with self.pool.acquire() as conn:
            await conn.execute("SELECT destroy_guest_key($1)", subject)

    async def rewrap(self, batch: int = 1000) -> int:
        """Rotation of the key-encryption key: wrap every key wrapped by an old one anew.

        Run by the owner role with the new KEK as `VOIMALA_KEYRING_KEK` and the old one in
        `VOIMALA_KEYRING_OLD_KEKS`; the data keys (and so every event) stay as they are.
        """
        done = 0
        while True:
            async with self.pool.acquire() as conn, conn.transaction():
                rows = await conn.fetch(
                    "SELECT subject, kek_id, wrapped FROM subject_keys WHERE kek_id <> $1 "
                    "LIMIT $2 FOR UPDATE SKIP LOCKED",
                    self._kek_id,
                    batch,
                )
                for row in rows:
                    key = self._unwrap(row["subject"], row)
                    await conn.execute(
                        "UPDATE subject_keys SET kek_id = $2, wrapped = $3 WHERE subject = $1",
                        row["subject"],
                        self._kek_id,
                        self._wrap(row["subject"], key),
                    )
            done += len(rows)
            if len(rows) < batch:
                return done

    # --- whole events ---------------------------------------------------------------------

    async def seal_data(self, subject: str, data: dict[str, Any]) -> dict[str, Any]:
        """An event's data with every `personal` part sealed (data without one: unchanged),
        each with its own subject's key (`personal_subject` beside it) or the envelope's."""
        if not has_personal(data):
            return data
        keys = {s: await self._key_or_new(s) for s in sorted(_subjects(data, subject, False))}

        def one(part: dict[str, Any], own: str) -> dict[str, Any]:
            key = keys[own]
            # Erased already: the part is written as erased, never in clear.
            sealed = dict(_ERASED) if key is None else seal_with(key, own, part)
            return sealed if own == subject else sealed | {"key": own}

        sealed: dict[str, Any] = _walk(data, subject, one)
        return sealed

    async def open_data(self, subject: str, data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """An event's data with its sealed parts opened, and whether any was erased.

        Each part opens with the key its sealed form names (`"key"`), or the envelope
        subject's. An erased part (key destroyed, or sealed with a key destroyed since) becomes
        None. Plain parts (older records, events written by hand) are left as they are.
        """
        if not contains_sealed(data):
            return data, False
        keys = {s: await self._key(s) for s in sorted(_subjects(data, subject, True))}
        erased = False

        def one(part: dict[str, Any], own: str) -> dict[str, Any] | None:
            nonlocal erased
            key = keys[own]
            opened = None if key is None else open_with(key, own, part)
            erased = erased or opened is None
            return opened

        opened: dict[str, Any] = _walk(data, subject, one, sealed=True)
        return opened, erased


def seal_with(key: bytes, subject: str, personal: dict[str, Any]) -> dict[str, Any]:
    plain = orjson.dumps(personal)
    sealed: dict[str, Any] = {"sealed": SEALED}
    if len(plain) > _COMPRESS_OVER:
        plain = zlib.compress(plain, 6)
        sealed["encoding"] = "zlib"
    nonce = os.urandom(12)
    ad = _ad(b"personal", subject) + sealed.get("encoding", "").encode()
    sealed["nonce"] = _b64(nonce)
    sealed["ciphertext"] = _b64(AESGCM(key).encrypt(nonce, plain, ad))
    return sealed


def open_with(key: bytes, subject: str, sealed: dict[str, Any]) -> dict[str, Any] | None:
    """None when the part was sealed with another key (the subject's key was destroyed and a
    new one made since) or altered: either way it cannot be read."""
    encoding = str(sealed.get("encoding", ""))
    ad = _ad(b"personal", subject) + encoding.encode()
    try:
        nonce = base64.b64decode(sealed["nonce"])
        plain = AESGCM(key).decrypt(nonce, base64.b64decode(sealed["ciphertext"]), ad)
    except (InvalidTag, KeyError, ValueError, TypeError):
        return None
    if encoding == "zlib":
        plain = zlib.decompress(plain)
    opened: dict[str, Any] = orjson.loads(plain)
    return opened


def _own(holder: dict[str, Any], part: dict[str, Any], subject: str, sealed: bool) -> str:
    """The subject whose key seals (or sealed) a part: the one its sealed form names, the one
    beside it (`personal_subject`), or the envelope's."""
    named = part.get("key") if sealed else holder.get(KEY_FIELD)
    return named if isinstance(named, str) and named else subject


def _walk(value: Any, subject: str, change: Any, *, sealed: bool = False) -> Any:
    """A copy of `value` with each `personal` part (plain, or sealed) replaced by
    `change(part, its key's subject)`."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "personal" and isinstance(item, dict) and is_sealed(item) == sealed:
                out[key] = change(item, _own(value, item, subject, sealed))
            else:
                out[key] = _walk(item, subject, change, sealed=sealed)
        return out
    if isinstance(value, list):
        return [_walk(v, subject, change, sealed=sealed) for v in value]
    return value


def _subjects(data: dict[str, Any], subject: str, sealed: bool) -> set[str]:
    """Every subject whose key the parts of `data` need."""
    found: set[str] = set()

    def note(part: dict[str, Any], own: str) -> dict[str, Any]:
        found.add(own)
        return part

    _walk(data, subject, note, sealed=sealed)
    return found


async def rewrap_command(dsn: str, environ: dict[str, str]) -> int:
    """`python -m voimala_kit.personal rewrap <keyring DSN>` as the keyring's owner, with the
    new KEK in VOIMALA_KEYRING_KEK and the old ones in VOIMALA_KEYRING_OLD_KEKS (commas):
    every key wrapped anew; how many were."""
    kek = decode_kek(environ["VOIMALA_KEYRING_KEK"])
    old = [decode_kek(k) for k in environ.get("VOIMALA_KEYRING_OLD_KEKS", "").split(",") if k]
    keyring = await Keyring.connect(dsn, kek, old_keks=old, service="rewrap")
    try:
        return await keyring.rewrap()
    finally:
        await keyring.close()


if __name__ == "__main__":
    import asyncio
    import sys

    if sys.argv[1:2] != ["rewrap"] or len(sys.argv) != 3:
        sys.exit("usage: python -m voimala_kit.personal rewrap <keyring DSN>")
    done = asyncio.run(rewrap_command(sys.argv[2], dict(os.environ)))
    sys.stdout.write(f"rewrapped {done} keys\n")
