"""Topic names. Each producing service writes to one topic, keyed by the aggregate id."""

from typing import Final

PARTICIPANTS: Final = "voimala.participants"
EVENTS: Final = "voimala.events"
MATCHING: Final = "voimala.matching"
NOTIFICATIONS: Final = "voimala.notifications"
PORTAL: Final = "voimala.portal"

#: Every service's own topic, by service name.
BY_SERVICE: Final[dict[str, str]] = {
    "participants": PARTICIPANTS,
    "events": EVENTS,
    "matching": MATCHING,
    "notifications": NOTIFICATIONS,
    "portal": PORTAL,
}


def dead_letter(consumer_service: str) -> str:
    """The dead-letter topic of one consuming service."""
    return f"voimala.{consumer_service}.dlq"


def all_topics() -> list[str]:
    """Every topic the platform uses: the four event topics and their dead-letter twins."""
    return [*BY_SERVICE.values(), *(dead_letter(s) for s in BY_SERVICE)]
