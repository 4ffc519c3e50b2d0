"""Plain SQL, one module per aggregate; each returns its typed rows (`voimala_kit.rows`), never
asyncpg's records. `indexes.py` is the in-memory read side of profiles and openings."""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import asyncpg
from voimala_kit.rows import Table

__all__ = ["load", "load_all", "to_json"]

R = TypeVar("R")
#: How each table's records become rows, by (table, its jsonb columns): made once.
_MAKERS: dict[tuple[int, tuple[str, ...]], Callable[[asyncpg.Record], Any]] = {}


def load(table: Table[R], record: asyncpg.Record, *json_columns: str) -> R:
    """The record as `table`'s row, its jsonb `json_columns` parsed (asyncpg gives them as
    text). Read by column name in one `itemgetter` call and made positionally, cheaper than
    `Table.load`'s keywords (measured): it counts when the ranking indexes load every profile."""
    make = _MAKERS.get((id(table), json_columns)) or _maker(table, json_columns)
    row: R = make(record)
    return row


def load_all(table: Table[R], records: Iterable[asyncpg.Record], *json_columns: str) -> list[R]:
    return [load(table, r, *json_columns) for r in records]


def _maker(table: Table[R], json_columns: tuple[str, ...]) -> Callable[[asyncpg.Record], R]:
    values = operator.itemgetter(*table.columns)  # (tables have more than one column)
    parsed = [table.columns.index(c) for c in json_columns]

    def make(record: asyncpg.Record) -> R:
        if not parsed:
            return table.row(*values(record))
        found = list(values(record))
        for i in parsed:
            found[i] = json.loads(found[i])
        return table.row(*found)

    _MAKERS[(id(table), json_columns)] = make
    return make


def to_json(table: Table[Any], row: object, *columns: str) -> tuple[Any, ...]:
    """`table.values(row)` with its jsonb `columns` as JSON text, for an INSERT or UPDATE."""
    return tuple(
        json.dumps(value) if name in columns else value
        for name, value in zip(table.columns, table.values(row), strict=True)
    )
