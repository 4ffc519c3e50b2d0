"""Typed rows: the SQL made from one column list reads and writes the real database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import pytest
from voimala_kit import Database, Table


@dataclass(frozen=True, slots=True)
class Visit:
    id: uuid.UUID
    visited_on: date
    topic: str | None


VISITS = Table("rows_test_visits", Visit)


def test_the_sql_names_every_column_once_in_one_order() -> None:
    assert VISITS.columns == ("id", "visited_on", "topic")
    assert VISITS.select("WHERE id = $1") == (
        "SELECT id, visited_on, topic FROM rows_test_visits WHERE id = $1"
    )
    assert VISITS.select(alias="v") == "SELECT v.id, v.visited_on, v.topic FROM rows_test_visits v"
    assert VISITS.insert() == (
        "INSERT INTO rows_test_visits (id, visited_on, topic) VALUES ($1, $2, $3) "
        "RETURNING id, visited_on, topic"
    )
    assert VISITS.update(["topic"]) == (
        "UPDATE rows_test_visits SET topic = $2 WHERE id = $1 RETURNING id, visited_on, topic"
    )


@dataclass(frozen=True)
class Arrival:
    id: uuid.UUID
    topic: str | None
    arrived_at: str


ARRIVALS = Table("arrivals", Arrival)


def test_defaults_and_expressions_of_ones_own() -> None:
    assert ARRIVALS.insert(columns=["id", "topic"]) == (
        "INSERT INTO arrivals (id, topic) VALUES ($1, $2) RETURNING id, topic, arrived_at"
    )
    assert ARRIVALS.update(["topic"], also="arrived_at = now()") == (
        "UPDATE arrivals SET topic = $2, arrived_at = now() WHERE id = $1 "
        "RETURNING id, topic, arrived_at"
    )
    with pytest.raises(ValueError, match="not columns"):
        ARRIVALS.insert(columns=["nope"])


def test_a_loaded_row_is_an_ordinary_frozen_dataclass() -> None:
    row = ARRIVALS.load({"id": uuid.UUID(int=1), "topic": None, "arrived_at": "now", "x": 1})
    assert row == Arrival(uuid.UUID(int=1), None, "now")
    assert hash(row) == hash(Arrival(uuid.UUID(int=1), None, "now"))
    with pytest.raises(AttributeError):
        row.topic = "changed"  # type: ignore[misc]


def test_only_columns_can_be_updated() -> None:
    with pytest.raises(ValueError, match="not columns"):
        VISITS.update(["topic; DROP TABLE x"])
    with pytest.raises(ValueError, match="none given"):
        VISITS.update([])
    with pytest.raises(TypeError, match="not a dataclass"):
        Table("t", dict)


async def test_rows_go_in_and_come_back_typed(db: Database) -> None:
    async with db.connection() as conn:
        await conn.execute(
            "CREATE TEMP TABLE rows_test_visits (id uuid PRIMARY KEY, visited_on date NOT NULL,"
            " topic text)"
        )
        visit = Visit(uuid.uuid4(), date(2027, 3, 31), "cv")
        inserted = VISITS.load(await conn.fetchrow(VISITS.insert(), *VISITS.values(visit)))
        assert inserted == visit
        updated = VISITS.load(await conn.fetchrow(VISITS.update(["topic"]), visit.id, None))
        assert updated == Visit(visit.id, visit.visited_on, None)
        assert VISITS.load_all(await conn.fetch(VISITS.select())) == [updated]
