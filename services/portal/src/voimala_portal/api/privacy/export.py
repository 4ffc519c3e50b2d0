"""An access request's export as a page: every service's part, each data set as a table of its
records (or the fields of one record), whatever the records hold. Headings in the person's
language, values as they are (nested values as compact JSON)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .words import Gettext, data_sets, field_names, service_names

#: The services in the order a person reads about themselves.
ORDER = ("participants", "events", "matching", "notifications")
TRUNCATED = "_truncated"


@dataclass
class DataSet:
    key: str
    title: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    #: A single record (an object, not a list) is shown as label: value pairs.
    pairs: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Cut:
    """A data set the service shortened to keep its answer small."""

    title: str
    kept: int
    total: int


@dataclass
class Part:
    service: str
    title: str
    data_sets: list[DataSet]
    cuts: list[Cut]
    #: The service did not answer in time: its part is missing from the copy.
    missing: bool = False


def value_text(value: Any) -> str:
    """A value as a person reads it: text as text, nothing as nothing, a list of plain values
    as a list ("fi, sv"), a list of small records as their values ("sv native; fi B1");
    anything deeper as JSON."""
    if value is None or value in ([], {}):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(_plain(v) for v in value):
        return ", ".join(value_text(v) for v in value)
    if isinstance(value, list) and all(_small_record(v) for v in value):
        return "; ".join(
            " ".join(value_text(x) for x in v.values() if x is not None) for v in value
        )
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _record_text(record: dict[str, Any]) -> str:
    return " ".join(value_text(x) for x in record.values() if x is not None)


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _small_record(value: Any) -> bool:
    return isinstance(value, dict) and len(value) <= 3 and all(_plain(v) for v in value.values())


def _data_of(part: Any) -> tuple[dict[str, Any], list[Any]]:
    """The data sets of a service's part ({data: {...}} or the data sets themselves) and the
    service's list of shortened ones."""
    if not isinstance(part, dict):
        return {"data": part}, []
    inner = part.get("data")
    data: dict[str, Any] = inner if isinstance(inner, dict) else part
    cuts = part.get(TRUNCATED) or data.get(TRUNCATED) or []
    return {k: v for k, v in data.items() if k != TRUNCATED}, cuts if isinstance(cuts, list) else []


def ordered(keys: list[str], known: dict[str, str]) -> list[str]:
    """The known keys in the order they are listed in, then the others alphabetically (the
    services' JSON comes from PostgreSQL, whose objects keep no order)."""
    rank = {k: i for i, k in enumerate(known)}
    return sorted(keys, key=lambda k: (rank.get(k, len(rank)), k))


def data_set(key: str, value: Any, _: Gettext) -> DataSet:
    labels = field_names(_)
    found = DataSet(key, data_sets(_).get(key, key))
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
        value = value[0]  # one record (the person's details, profile, contact): its fields
    if isinstance(value, dict):
        fields = ordered([str(k) for k in value], labels)
        found.pairs = [(labels.get(k, k), value_text(value[k])) for k in fields]
    elif isinstance(value, list) and all(isinstance(r, dict) for r in value):
        keys: list[str] = []
        for record in value:
            keys.extend(k for k in record if k not in keys)
        keys = ordered(keys, labels)
        found.columns = [labels.get(k, k) for k in keys]
        found.rows = [[value_text(r.get(k)) for k in keys] for r in value]
    elif isinstance(value, list):
        found.rows = [[value_text(v)] for v in value]
        found.columns = [labels.get(key, key)]
    else:
        found.pairs = [(labels.get(key, key), value_text(value))]
    return found


def part_view(service: str, part: Any, _: Gettext) -> Part:
    if part is None:
        return Part(service, service_names(_).get(service, service), [], [], missing=True)
    data, cuts = _data_of(part)
    names = data_sets(_)
    shortened = [
        Cut(names.get(str(c.get("data_set")), str(c.get("data_set"))), c["kept"], c["total"])
        for c in cuts
        if isinstance(c, dict)
        and isinstance(c.get("kept"), int)
        and isinstance(c.get("total"), int)
    ]
    return Part(
        service,
        service_names(_).get(service, service),
        [data_set(k, data[k], _) for k in ordered(list(data), names)],
        shortened,
    )


def export_view(export: dict[str, Any], _: Gettext) -> list[Part]:
    """Every service's part, the known services first in their order, then any other."""
    known = [s for s in ORDER if s in export]
    others = sorted(s for s in export if s not in ORDER)
    return [part_view(s, export[s], _) for s in [*known, *others]]
