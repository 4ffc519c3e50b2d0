from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict
from voimala_kit import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PORTAL_")

    service_name: str = "portal"
    port: int = 8000
    database_url: str = "postgresql://portal:portal-dev@127.0.0.1:55432/portal"
    #: No form of the portal comes near this; a larger body is refused before it is read.
    max_body_bytes: int = 256 * 1024

    #: Where people reach the portal (links in e-mails, the poster's QR code, OIDC redirects).
    public_url: str = "http://127.0.0.1:8000"
    #: The services' HTTP APIs, as the portal reaches them.
    participants_url: str = "http://127.0.0.1:8001"
    events_url: str = "http://127.0.0.1:8002"
    matching_url: str = "http://127.0.0.1:8003"
    notifications_url: str = "http://127.0.0.1:8004"
    #: The operations API (`voimala-ops-api`), for the `ops` role's pages.
    ops_url: str = "http://127.0.0.1:8005"
    #: The key the portal signs the services' short-lived tokens with; the services trust its
    #: public half (VOIMALA_JWT_EXTRA_PUBLIC_KEY_FILES).
    signing_key_file: Path | None = None
    service_token_minutes: int = Field(5, ge=1, le=60)

    #: A signed-in session ends after this long without a request, and at the latest after
    #: `session_max_hours`.
    session_idle_minutes: int = Field(30, ge=1)
    session_max_hours: int = Field(12, ge=1)
    #: Magic links: how long a link is valid, and how many may be asked per address and per
    #: client within `signin_window_minutes`.
    signin_link_minutes: int = Field(15, ge=1, le=60)
    signin_per_address: int = Field(3, ge=1)
    signin_per_client: int = Field(10, ge=1)
    signin_window_minutes: int = Field(15, ge=1)

    #: Staff sign in through the city's identity provider (OpenID Connect).
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    #: The claim that holds a staff member's roles, and the provider's names for ours.
    oidc_roles_claim: str = "roles"

    #: `make run` only: a page that lists the demo people of every role and signs in as any of
    #: them without a password. Refused outside development.
    dev_sign_in: bool = False
    #: The demo people that page lists (written by `make run`'s demo loader).
    dev_people_file: Path | None = None

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    @model_validator(mode="after")
    def _no_dev_sign_in_in_production(self) -> "Settings":
        if self.dev_sign_in and self.environment == "production":
            raise ValueError("PORTAL_DEV_SIGN_IN must not be set in production")
        return self
