from pydantic_settings import SettingsConfigDict
from voimala_kit import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVENTS_")

    service_name: str = "events"
    port: int = 8002
    database_url: str = "postgresql://events:events-dev@127.0.0.1:55432/events"
