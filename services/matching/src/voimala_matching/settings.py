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
    # The openings optimiser (handlers/openings_optimiser.py, docs/matching.md).
    proposals_per_participant: int = Field(
        3, ge=1, description="open proposals to openings a participant may have at once (K)"
    )
    proposals_per_place: int = Field(
        1, ge=1, description="unanswered proposals an opening may have per free place"
    )
    opening_candidates: int = Field(
        50, ge=1, le=1000, description="candidates considered per opening by the optimiser"
    )
    optimiser_poll: float = Field(
        5.0, gt=0, description="seconds between looks for changes that call for a new run"
    )
    optimiser_auto: bool = Field(
        True, description="run the openings optimiser by itself when something changed"
    )
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
