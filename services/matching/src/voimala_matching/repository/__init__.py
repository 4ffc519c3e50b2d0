"""Plain SQL, one module per aggregate; each returns its typed rows (`voimala_kit.rows`), never
asyncpg's records. `indexes.py` is the in-memory read side of profiles and openings."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TypeVar

import asyncpg
from voimala_kit.rows import Table

__all__ = ["load", "load_all", "to_json"]

R = TypeVar("R")


def load(table: Table[R], record: asyncpg.Record, *json_columns: str) -> R:
    """The record as `table`'s row, its jsonb `json_columns` parsed (asyncpg gives them as
    text). Made positionally (`Table.columns` are the row's fields in order): a quarter
    cheaper than `Table.load`'s keywords, which counts when the ranking indexes reload."""
    if not json_columns:
        return table.row(*[record[c] for c in table.columns])
    return table.row(
        *[json.loads(record[c]) if c in json_columns else record[c] for c in table.columns]
    )


def load_all(table: Table[R], records: Iterable[asyncpg.Record], *json_columns: str) -> list[R]:
    return [load(table, r, *json_columns) for r in records]


def to_json(table: Table[Any], row: object, *columns: str) -> tuple[Any, ...]:
    """`table.values(row)` with its jsonb `columns` as JSON text, for an INSERT or UPDATE."""
    return tuple(
        json.dumps(value) if name in columns else value
        for name, value in zip(table.columns, table.values(row), strict=True)
    )
