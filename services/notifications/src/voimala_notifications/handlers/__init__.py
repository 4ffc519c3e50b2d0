"""Use cases, run inside the transaction their entrypoint opened (consumer, request, worker).

Each is `verb(deps, conn, command | event data, …)`; a refusal is one of the kit's
(`voimala_kit.refusals`), which the HTTP layer answers in one place.
"""

from .deps import Deps

__all__ = ["Deps"]
