from datetime import date

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from voimala_kit import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PARTICIPANTS_")

    service_name: str = "participants"
    port: int = 8001
    database_url: str = "postgresql://participants:participants-dev@127.0.0.1:55432/participants"

    #: Ideas sent without a token (the portal's public wish form): at most this many per
    #: client address per hour; more are answered 429 with Retry-After.
    public_ideas_per_hour: int = Field(120, ge=1)

    #: Access requests (GDPR 15): a service that has not answered within this many seconds is
    #: named as "not answered in time" (its late answer still counts when it comes).
    access_answer_timeout: float = Field(24 * 3600.0, gt=0, description="seconds")
    #: An access request's export is personal data: purged this many days after the request.
    export_retention_days: int = Field(30, ge=1)
    #: Exited participants are erased automatically this many full years after the end of the
    #: year of their exit. Default 5: the ESF+ audit trail keeps the programme's documents
    #: five years from 31 December of the year of the last payment (Regulation (EU) 2021/1060
    #: Art. 82), and the city's archive plan keeps the programme's client records as long.
    #: To confirm with the data protection officer.
    retention_years_after_exit: int = Field(5, ge=1)
    #: Seconds between the privacy sweeps: retention erasures, purged exports, keys destroyed.
    privacy_sweep_every: float = Field(3600.0, gt=0)

    #: The ESF+ project's first day: the start of the cumulative ESF+ report.
    esf_project_start: date = date(2024, 1, 1)
    #: Municipality codes (3 digits) that count as rural (ESF+ EECO17): Eurostat's degree of
    #: urbanisation 3 ("rural area") for the programme's municipalities. Empty: unknown.
    esf_rural_municipalities: frozenset[str] = frozenset()

    #: The counsellor's worklist (`domain/worklist.py`): this many no-shows in a row put an
    #: item on it (0: the rule is off) …
    nudge_no_shows_in_a_row: int = Field(2, ge=0, le=20)
    #: … and so do this many days with no activity on the path (0: off).
    nudge_inactive_days: int = Field(30, ge=0, le=3650)
    #: Seconds between the sweeps that look for inactive participants.
    worklist_sweep_every: float = Field(3600.0, gt=0)
