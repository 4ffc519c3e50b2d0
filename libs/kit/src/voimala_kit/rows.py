"""Typed rows: one dataclass names a table's columns once; the SQL that reads and writes them
is made from that one list, and what the database returns comes back as that dataclass.

    @dataclass(frozen=True, slots=True)
    class VisitRow:
        id: uuid.UUID
        visited_on: date
        ...

    VISITS = Table("visits", VisitRow)
    await conn.fetch(VISITS.select("WHERE visited_on = $1 ORDER BY id"), day)

Everything else in a repository stays plain SQL: joins, aggregates, locks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

__all__ = ["Table"]

R = TypeVar("R")


class Table(Generic[R]):
    """A table (or a view) whose columns are the fields of the dataclass `row`."""

    def __init__(self, name: str, row: type[R], key: str = "id") -> None:
        if not dataclasses.is_dataclass(row):
            raise TypeError(f"{row.__name__} is not a dataclass")
        self.name = name
        self.row = row
        self.key = key
        self.columns: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(row))
        self.column_list = ", ".join(self.columns)

    def select(self, tail: str = "", *, alias: str | None = None) -> str:
        """`SELECT <columns> FROM <table> <tail>`; with `alias`, columns are qualified by it."""
        if alias is None:
            return f"SELECT {self.column_list} FROM {self.name} {tail}".rstrip()  # noqa: S608
        cols = ", ".join(f"{alias}.{c}" for c in self.columns)
        return f"SELECT {cols} FROM {self.name} {alias} {tail}".rstrip()  # noqa: S608

    def insert(self, tail: str = "") -> str:
        """`INSERT` of every column from $1…$n (in `columns` order), returning the row; `tail`
        goes before `RETURNING` (an `ON CONFLICT` clause)."""
        marks = ", ".join(f"${n}" for n in range(1, len(self.columns) + 1))
        parts = [
            f"INSERT INTO {self.name} ({self.column_list}) VALUES ({marks})",  # noqa: S608
            tail,
            f"RETURNING {self.column_list}",
        ]
        return " ".join(p for p in parts if p)

    def update(self, names: Sequence[str]) -> str:
        """`UPDATE … SET name = $2, … WHERE <key> = $1`, returning the row. `names` must be
        columns: they come from code, never from a request."""
        unknown = set(names) - set(self.columns)
        if unknown or not names:
            raise ValueError(f"not columns of {self.name}: {sorted(unknown) or 'none given'}")
        sets = ", ".join(f"{c} = ${n}" for n, c in enumerate(names, start=2))
        return (
            f"UPDATE {self.name} SET {sets} WHERE {self.key} = $1 "  # noqa: S608
            f"RETURNING {self.column_list}"
        )

    def values(self, row: R) -> tuple[Any, ...]:
        """The row's values in `columns` order: the arguments of `insert()`."""
        return tuple(getattr(row, c) for c in self.columns)

    def load(self, record: Mapping[str, Any]) -> R:
        return self.row(**{c: record[c] for c in self.columns})

    def load_all(self, records: Iterable[Mapping[str, Any]]) -> list[R]:
        return [self.load(r) for r in records]
