"""The counsellor's worklist: what the programme notices about a participant, from the path.

Pure. Two rules put an item on the list, each switched off by a setting of 0:

- **no-shows in a row** (`no_shows_in_a_row`, 2): the participant's latest attendance records
  (attended or not, any series, ordered by the occurrence's start) are all no-shows;
- **inactive** (`inactive_days`, 30): nothing on the path that the person did or that staff
  did with them (an attendance, a visit, a proposal answered, a registration, a correction, a
  worklist item closed…) for that many days. What the programme did *to* them does not count
  as their activity: a message, a proposal, a no-show, an expiry.

An item is open until staff mark it done or dismiss it, with a note; each close is an entry on
the participant's path (which counts as activity: the inactivity clock starts again).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final, Literal

Reason = Literal["no_shows_in_a_row", "inactive"]
Status = Literal["open", "done", "dismissed"]
Close = Literal["done", "dismissed"]

REASONS: Final[tuple[Reason, ...]] = ("no_shows_in_a_row", "inactive")

#: The path's kinds of attendance, as `handlers.path_events` writes them.
ATTENDED: Final = "activity.attended"
NO_SHOW: Final = "activity.no_show"
ATTENDANCE_KINDS: Final = (ATTENDED, NO_SHOW)

#: Path entries that are the programme acting on the person, not the person's activity.
NOT_ACTIVITY: Final[tuple[str, ...]] = (
    "message.sent",
    "message.failed",
    NO_SHOW,
    "match.proposed",
    "match.expired",
    "idea.realised",
)

#: A closed item's path entry: `worklist.done`, `worklist.dismissed`.
CLOSED_KIND: Final[dict[Close, str]] = {"done": "worklist.done", "dismissed": "worklist.dismissed"}

#: Longest note staff may write when closing an item.
NOTE_MAX: Final = 1000


def missed_in_a_row(latest_first: Sequence[str], needed: int) -> bool:
    """Whether the latest `needed` attendance kinds (newest first) are all no-shows."""
    if needed <= 0 or len(latest_first) < needed:
        return False
    return all(kind == NO_SHOW for kind in latest_first[:needed])


def inactive_since(now: datetime, days: int) -> datetime | None:
    """The moment before which a participant's last activity makes them inactive; None when
    the rule is off."""
    if days <= 0:
        return None
    return now - timedelta(days=days)
