"""An access export kept within one Kafka record (pure)."""

from __future__ import annotations

import json

from voimala_matching.domain.export import fit


def _size(value: object) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def test_an_export_that_fits_is_kept_whole() -> None:
    data = {"profile": [{"skills": ["welding"]}], "proposals": [{"id": "a"}] * 10}
    assert fit(data, limit=10_000) is data


def test_the_largest_data_set_is_cut_to_fit_and_the_cut_is_said() -> None:
    proposals = [{"id": str(n), "explanation": "x" * 500} for n in range(100)]
    data = {"profile": [{"skills": ["welding"]}], "proposals": proposals, "outcomes": []}
    cut = fit(data, limit=20_000)
    assert _size(cut) <= 20_000
    assert cut["profile"] == data["profile"]
    kept = len(cut["proposals"])
    assert 0 < kept < 100
    assert cut["proposals"] == proposals[:kept]  # the first (newest) kept
    assert cut["_truncated"] == [{"data_set": "proposals", "kept": kept, "total": 100}]


def test_more_than_one_data_set_is_cut_when_one_is_not_enough() -> None:
    data = {
        "proposals": [{"n": "p" * 1000}] * 30,
        "mentor_matches": [{"n": "m" * 1000}] * 20,
    }
    cut = fit(data, limit=10_000)
    assert _size(cut) <= 10_000
    assert cut["proposals"] == []
    assert [c["data_set"] for c in cut["_truncated"]] == ["proposals", "mentor_matches"]
    assert cut["_truncated"][1]["kept"] == len(cut["mentor_matches"]) > 0
