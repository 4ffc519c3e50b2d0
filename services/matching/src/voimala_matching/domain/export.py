"""An access export kept within what one Kafka record may carry (pure).

The export travels as one event (Kafka refuses records over 1 MB by default): over the limit,
the data set that takes most room keeps its first records only (the newest, as exported) and
`_truncated` says how many of how many, until the whole fits.
"""

from __future__ import annotations

import json
from typing import Any

Export = dict[str, list[dict[str, Any]]]

#: What an export may take, in bytes of compact JSON (the spec's ~800 KB, under Kafka's 1 MB).
LIMIT = 800_000
#: Room kept for the `_truncated` list itself.
_RESERVE = 1_000


def _size(value: object) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def fit(data: Export, limit: int = LIMIT) -> Export:
    """`data` if it fits in `limit` bytes; otherwise with its largest lists cut to fit."""
    total = _size(data)
    if total <= limit:
        return data
    out = dict(data)
    cut: list[dict[str, Any]] = []
    for name in sorted(out, key=lambda n: _size(out[n]), reverse=True):
        records = out[name]
        excess = total - (limit - _RESERVE)
        kept = len(records)
        while kept > 0 and excess > 0:
            kept -= 1
            removed = _size(records[kept]) + 1  # the record and its comma
            excess -= removed
            total -= removed
        out[name] = records[:kept]
        cut.append({"data_set": name, "kept": kept, "total": len(records)})
        if excess <= 0:
            break
    out["_truncated"] = cut
    return out
