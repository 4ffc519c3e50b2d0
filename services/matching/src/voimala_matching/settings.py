from pydantic import Field
from pydantic_settings import SettingsConfigDict
from voimala_kit.settings import ServiceSettings

from .domain.scoring import Weights


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MATCHING_")

    service_name: str = "matching"
    port: int = 8003
    database_url: str = "postgresql://matching:matching-dev@127.0.0.1:55432/matching"

    proposal_days: float = Field(7, gt=0, description="days a proposal waits for an answer")
    expiry_poll: float = Field(30.0, gt=0, description="seconds between expiry sweeps")
    mentor_candidates: int = Field(20, ge=1, le=200, description="mentors considered per mentee")
    # The scoring weights (docs/matching.md): only their ratios matter.
    weight_skills: float = Field(0.40, ge=0)
    weight_languages: float = Field(0.15, ge=0)
    weight_location: float = Field(0.15, ge=0)
    weight_availability: float = Field(0.10, ge=0)
    weight_goals: float = Field(0.10, ge=0)
    weight_priority: float = Field(0.10, ge=0)

    @property
    def weights(self) -> Weights:
        return Weights(
            skills=self.weight_skills,
            languages=self.weight_languages,
            location=self.weight_location,
            availability=self.weight_availability,
            goals=self.weight_goals,
            priority=self.weight_priority,
        )
