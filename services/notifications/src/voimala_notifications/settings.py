from datetime import time

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict
from voimala_kit.settings import ServiceSettings

DEV_LINK_SECRET = "voimala-dev-link-secret-change-me"  # noqa: S105 - refused in production


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_")

    service_name: str = "notifications"
    port: int = 8004
    database_url: str = "postgresql://notifications:notifications-dev@127.0.0.1:55432/notifications"

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(1025, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout: float = Field(10.0, gt=0)
    smtp_connections: int = Field(10, ge=1, le=50, description="at most this many at once")
    mail_from: str = "Voimala <voimala@salo.example>"

    sms_provider_url: str = "http://127.0.0.1:8090/messages"
    sms_sender: str = "Voimala"
    sms_timeout: float = Field(10.0, gt=0)

    link_secret: str = Field(DEV_LINK_SECRET, min_length=16)
    public_url: str = Field("http://127.0.0.1:8004", description="where signed links point")

    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    digest_hour: time = time(8, 0)

    stale_after_hours: float = Field(
        48, gt=0, description="older events are recorded in the inbox but not e-mailed or texted"
    )
    #: False: this process consumes and writes messages, another one (a replica with True)
    #: delivers them: the claims (SKIP LOCKED leases) share the queue between processes.
    run_delivery: bool = True
    delivery_loops: int = Field(2, ge=1, le=8, description="claim-send-record loops at once")
    delivery_batch: int = Field(200, ge=1, le=5000)
    delivery_idle_poll: float = Field(0.5, gt=0)
    delivery_lease: float = Field(120.0, gt=0, description="seconds a claimed message is ours")
    delivery_max_attempts: int = Field(8, ge=1)
    delivery_backoff_base: float = Field(2.0, gt=0)
    delivery_backoff_cap: float = Field(600.0, gt=0)

    #: Nudges (`domain/nudges.py`): a no-show is told when the series meets next …
    nudge_no_show: bool = True
    #: … a mentor silent this many days after a proposal is reminded (0: off) …
    nudge_mentor_reminder_days: float = Field(3.0, ge=0)
    #: … and after this many the coordinators are told (0: off).
    nudge_mentor_coordinator_days: float = Field(5.0, ge=0)

    #: Messages are deleted this many days after they were made (retention.py says why).
    retention_message_days: float = Field(
        730.0, gt=0, description="days a message (words, address, delivery) is kept"
    )

    @model_validator(mode="after")
    def _refuse_dev_secret_in_production(self) -> "Settings":
        if self.environment == "production" and self.link_secret == DEV_LINK_SECRET:
            raise ValueError("NOTIFICATIONS_LINK_SECRET must be set in production")
        return self
