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
