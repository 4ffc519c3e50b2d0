"""The service's own metrics, beside the kit's: what became of messages and how long they took."""

from prometheus_client import Counter, Histogram

MESSAGES = Counter(
    "voimala_notifications_messages_total",
    "Messages by channel and outcome (sent, retry, failed, cancelled)",
    ["channel", "outcome"],
)
HANDOFF_SECONDS = Histogram(
    "voimala_notifications_handoff_seconds",
    "From the causing event's time to the hand-off to the channel",
    ["channel"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 43200),
)
