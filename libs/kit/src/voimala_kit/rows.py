"""Typed rows: one dataclass names a table's columns once; the SQL that reads and writes them
is made from that one list, and what the database returns comes back as that dataclass.

    @dataclass(frozen=True)     # without slots: loading then fills the row at once
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
from collections.abc import Iterable, Sequence
from typing import Any, Generic, Protocol, TypeVar

__all__ = ["Record", "Table"]

R = TypeVar("R")


class Record(Protocol):
    """What a row is read from: an `asyncpg.Record` or a mapping, read by column name."""

    def __getitem__(self, key: str, /) -> Any: ...


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
        # A frozen dataclass's __init__ sets each field through object.__setattr__ (~0.3 µs a
        # field): for a class with a __dict__, loading fills it at once, as unpickling does.
        self._fill = not hasattr(row, "__slots__")

    def select(self, tail: str = "", *, alias: str | None = None) -> str:
        """`SELECT <columns> FROM <table> <tail>`; with `alias`, columns are qualified by it."""
        if alias is None:
            return f"SELECT {self.column_list} FROM {self.name} {tail}".rstrip()  # noqa: S608
        cols = ", ".join(f"{alias}.{c}" for c in self.columns)
        return f"SELECT {cols} FROM {self.name} {alias} {tail}".rstrip()  # noqa: S608

    def insert(self, tail: str = "", *, columns: Sequence[str] | None = None) -> str:
        """`INSERT` of every column (or of `columns`, leaving the others to their defaults)
        from $1…$n in that order, returning the row; `tail` goes before `RETURNING` (an
        `ON CONFLICT` clause)."""
        names = self._known(columns) if columns is not None else self.columns
        marks = ", ".join(f"${n}" for n in range(1, len(names) + 1))
        parts = [
            f"INSERT INTO {self.name} ({', '.join(names)}) VALUES ({marks})",  # noqa: S608
            tail,
            f"RETURNING {self.column_list}",
        ]
        return " ".join(p for p in parts if p)

    def update(self, names: Sequence[str], *, also: str = "") -> str:
        """`UPDATE … SET name = $2, … WHERE <key> = $1`, returning the row. `names` must be
        columns: they come from code, never from a request. `also` adds SET expressions of
        its own (`updated_at = now(), version = version + 1`)."""
        sets = [f"{c} = ${n}" for n, c in enumerate(self._known(names), start=2)]
        if also:
            sets.append(also)
        return (
            f"UPDATE {self.name} SET {', '.join(sets)} WHERE {self.key} = $1 "  # noqa: S608
            f"RETURNING {self.column_list}"
        )

    def _known(self, names: Sequence[str]) -> tuple[str, ...]:
        unknown = set(names) - set(self.columns)
        if unknown or not names:
            raise ValueError(f"not columns of {self.name}: {sorted(unknown) or 'none given'}")
        return tuple(names)

    def values(self, row: R) -> tuple[Any, ...]:
        """The row's values in `columns` order: the arguments of `insert()`."""
        return tuple(getattr(row, c) for c in self.columns)

    def load(self, record: Record) -> R:
        if self._fill:
            row: R = object.__new__(self.row)
            row.__dict__.update({c: record[c] for c in self.columns})
            return row
        return self.row(*[record[c] for c in self.columns])

    def load_all(self, records: Iterable[Record]) -> list[R]:
        return [self.load(r) for r in records]
