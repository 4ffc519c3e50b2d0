from pydantic_settings import SettingsConfigDict
from voimala_kit import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MATCHING_")

    service_name: str = "matching"
    port: int = 8003
    database_url: str = "postgresql://matching:matching-dev@127.0.0.1:55432/matching"
