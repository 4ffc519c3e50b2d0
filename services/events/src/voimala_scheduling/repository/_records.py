"""asyncpg's records as the mappings `voimala_kit.rows.Table` loads (until the kit's `load`
takes an `asyncpg.Record` itself: a record is read by column name like a mapping)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, cast

import asyncpg
from voimala_kit.rows import Table

R = TypeVar("R")


def one(table: Table[R], record: asyncpg.Record) -> R:
    return table.load(cast("Mapping[str, Any]", record))


def every(table: Table[R], records: Iterable[asyncpg.Record]) -> list[R]:
    return table.load_all(cast("Iterable[Mapping[str, Any]]", records))
