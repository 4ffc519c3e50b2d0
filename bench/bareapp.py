"""The bounds for `GET /participants/{id}` and the list: a bare Starlette app on uvicorn doing
the same read and the same audit rows in one statement, with orjson, and nothing else (no auth,
no purpose, no middleware, no metrics, no logs, no problem details). `bench/participants_api.py`
runs it against the service's own database, beside the service, in the same run.

The read's statement is spelled out here. The list's is the service's own (`page` in its
repository: plain SQL, one statement per filter shape, the audit rows in it), so that the
statement is the same by construction; only the filters are read from the query string, and
the rows written out as they are (no view, no validation).

    .venv/bin/python bench/bareapp.py <dsn> <port> [<pool>]

(No underscore in the name: `make bench` runs every `bench/*_*.py` as a benchmark.)
"""

from __future__ import annotations

import gc
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from voimala_participants.repository.participants import (
    PARTICIPANTS,
    Filters,
    ParticipantRow,
    Reader,
    page,
)

# The service's statement, spelled out: the same columns, and the audit row in the same
# statement. (Only the column list comes from the service: nothing of it runs here.)
READ = f"""
WITH found AS (SELECT {PARTICIPANTS.column_list} FROM participant WHERE id = $1),
audited AS (INSERT INTO audit_log (actor, actor_roles, participant_id, action, purpose)
            SELECT $2, $3, id, 'read_profile', $4 FROM found)
SELECT * FROM found
"""  # noqa: S608 - constant columns
JSONB = ("languages", "skill_uris")  # already JSON: embedded as it is, as the service does


def _default(value: Any) -> str:
    if isinstance(value, uuid.UUID):  # asyncpg's own UUID type
        return str(value)
    raise TypeError(type(value).__name__)


COLUMNS = tuple(f.name for f in fields(ParticipantRow))
LIST_READER = Reader("bench", ["coordinator"], "benchmark", "list")


def _filters(request: Request) -> tuple[Filters, int]:
    q = request.query_params
    youth = {"true": True, "false": False}.get(q.get("youth", ""))
    found = Filters(
        q.get("status"), q.get("target_group"), q.get("language"), q.get("skill"), q.get("q"),
        youth, q.get("language_level"),
    )  # fmt: skip
    return found, min(int(q.get("limit", "50")), 200)


def _item(row: ParticipantRow) -> dict[str, Any]:
    item = {name: getattr(row, name) for name in COLUMNS}
    item["id"] = str(row.id)
    for name in JSONB:
        item[name] = orjson.Fragment(item[name])
    return item


async def _no_reset(conn: asyncpg.Connection) -> None:
    """Nothing sets session state here: asyncpg's reset query (a round trip per request) is
    skipped, as the service's pool skips it."""


def make_app(dsn: str, pool_size: int) -> Starlette:
    state: dict[str, asyncpg.Pool] = {}

    async def read(request: Request) -> Response:
        try:
            pid = uuid.UUID(request.path_params["pid"])
        except ValueError:
            return Response(b'{"title":"Not found"}', 404, media_type="application/json")
        async with state["pool"].acquire() as conn:
            row = await conn.fetchrow(READ, pid, "bench", ["coordinator"], "benchmark")
        if row is None:
            return Response(b'{"title":"Not found"}', 404, media_type="application/json")
        data = dict(row)
        for name in JSONB:
            data[name] = orjson.Fragment(data[name])
        body = orjson.dumps(data, default=_default, option=orjson.OPT_UTC_Z)
        return Response(body, media_type="application/json")

    async def listed(request: Request) -> Response:
        filters, limit = _filters(request)
        today = datetime.now(UTC).date()
        async with state["pool"].acquire() as conn:
            rows = await page(conn, None, limit, filters, today, LIST_READER)
        more = len(rows) > limit
        body = {"items": [_item(r) for r in rows[:limit]], "next_cursor": "more" if more else None}
        data = orjson.dumps(body, default=_default, option=orjson.OPT_UTC_Z)
        return Response(data, media_type="application/json")

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        state["pool"] = await asyncpg.create_pool(
            dsn,
            min_size=2,
            max_size=pool_size,
            server_settings={"timezone": "UTC"},
            reset=_no_reset,  # as the service's pool (voimala_kit.db): no reset query
        )
        try:
            yield
        finally:
            await state["pool"].close()

    return Starlette(
        routes=[Route("/participants", listed), Route("/participants/{pid}", read)],
        lifespan=lifespan,
    )


if __name__ == "__main__":
    dsn, port = sys.argv[1], int(sys.argv[2])
    pool = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    app = make_app(dsn, pool)
    gc.collect()
    gc.freeze()  # as the service does (voimala_kit.service.serve)
    # uvicorn's defaults pick uvloop and httptools when installed, as for the service.
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
