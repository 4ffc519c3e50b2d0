"""Who signs in with an e-mail address."""

from __future__ import annotations

from voimala_kit.db import Connection

from ..domain.signin import SigninIdentity

# One address, one identity: an employer's contact person first (they sign in most for the
# programme's work), then a mentor, then a participant; among equals the newest. Staff sign
# in through the city's identity provider and guests have no account: neither is looked at.
_IDENTITY = """
SELECT r.id, r.kind, r.preferred_language, r.given_name, r.family_name, o.owner_id AS org
FROM recipient r
LEFT JOIN recipient_of o
       ON o.recipient_id = r.id AND o.owner_kind = 'partner' AND r.kind = 'partner'
WHERE r.email IS NOT NULL AND lower(r.email) = lower($1) AND r.status = 'active'
  AND r.kind IN ('partner', 'mentor', 'participant')
  AND (r.kind <> 'partner' OR o.owner_id IS NOT NULL)
ORDER BY CASE r.kind WHEN 'partner' THEN 0 WHEN 'mentor' THEN 1 ELSE 2 END,
         r.updated_at DESC, o.owner_id
LIMIT 1
"""


async def identity(conn: Connection, email: str) -> SigninIdentity | None:
    """Who signs in with this address (any letter case), or None."""
    row = await conn.fetchrow(_IDENTITY, email)
    return SigninIdentity(**row) if row is not None else None
