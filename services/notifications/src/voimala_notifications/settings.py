from pydantic_settings import SettingsConfigDict
from voimala_kit import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_")

    service_name: str = "notifications"
    port: int = 8004
    database_url: str = "postgresql://notifications:notifications-dev@127.0.0.1:55432/notifications"
