from pydantic_settings import SettingsConfigDict
from voimala_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVENTS_")

    service_name: str = "events"
    port: int = 8002
    database_url: str = "postgresql://events:events-dev@127.0.0.1:55432/events"

    #: How far ahead occurrences are generated (a rolling horizon, extended daily).
    horizon_days: int = 365
    #: How long before an occurrence starts its confirmed registrations are reminded.
    reminder_lead_hours: float = 24.0
    #: How often the scheduler looks for due reminders, the horizon and ended occurrences.
    scheduler_poll_seconds: float = 5.0
    #: No-shows are recorded this long after an occurrence ends (staff may check in late).
    no_show_after_hours: float = 12.0
    #: Where people reach the portal: each event of the calendar feed links back to its page
    #: there (`<portal_url>/events/<id>`). Empty: the feed carries no links.
    portal_url: str = "http://127.0.0.1:8000"
    #: Every guest who registers gets a key of their own in the keyring, made (and committed
    #: there) beside the other requests before their registration's batch: when everyone comes
    #: at once, the kit's default of 2 connections makes them wait in pairs.
    keyring_pool_max: int = 16
    #: How many registration batches may run side by side in a process, each for its own
    #: occurrences (handlers/batcher.py). One: in `make bench` two lanes made smaller batches
    #: and were slower spread over 20 occurrences (877/s against 1,114-1,511/s with one).
    registration_lanes: int = 1
    #: Whether this process runs the scheduler jobs (every replica may: they claim rows).
    run_scheduler: bool = True
    #: The most JSON an access request's export may carry (bytes, before encryption): one
    #: Kafka record holds 1 MB, and sealing `personal` adds a third (base64). Over it, the
    #: longest list is cut and the export says so (`_truncated`).
    export_max_bytes: int = 600_000
