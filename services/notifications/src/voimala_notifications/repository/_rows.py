"""asyncpg's records as the kit's `Table` reads them.

A record is a mapping at run time, but asyncpg's stubs do not say so: until the kit's `Table`
takes records, this is the one place that tells mypy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, cast

import asyncpg
from voimala_kit.rows import Table

R = TypeVar("R")


def load(table: Table[R], record: asyncpg.Record) -> R:
    return table.load(cast("Mapping[str, Any]", record))


def load_all(table: Table[R], records: Iterable[asyncpg.Record]) -> list[R]:
    return table.load_all(cast("Iterable[Mapping[str, Any]]", records))
