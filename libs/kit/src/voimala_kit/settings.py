"""Settings shared by every service; each service subclasses them once and validates at start.

Shared infrastructure (Kafka, tokens, environment) is read from `VOIMALA_*` variables; what
belongs to one service (its port, its database) from `<SERVICE>_*`, e.g. `PARTICIPANTS_PORT`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["development", "test", "production"]
#: voimala_kit.personal.DEV_KEK (the kit's settings import nothing of the kit).
_DEV_KEK = "dm9pbWFsYS1kZXYta2VrLW5vdC1mb3ItcmVhbC11c2U="


def _shared(name: str) -> AliasChoices:
    return AliasChoices(f"VOIMALA_{name}")


class ServiceSettings(BaseSettings):
    """Subclass per service, setting `env_prefix` and the service's defaults."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True, frozen=True)

    service_name: str
    environment: Environment = Field("development", validation_alias=_shared("ENV"))
    log_level: str = Field("INFO", validation_alias=_shared("LOG_LEVEL"))

    host: str = "127.0.0.1"
    port: int = Field(ge=1, le=65535)

    database_url: str
    db_pool_min: int = Field(2, ge=1)
    db_pool_max: int = Field(10, ge=1)
    db_acquire_timeout: float = Field(5.0, gt=0, description="seconds to wait for a connection")
    db_command_timeout: float = Field(10.0, gt=0, description="seconds one statement may take")
    db_migration_timeout: float = Field(
        3600.0, gt=0, description="seconds the migrations at start-up may take (and wait)"
    )

    max_body_bytes: int = Field(
        1024 * 1024, ge=1024, description="a larger request body is refused (413) unread"
    )

    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092", validation_alias=_shared("KAFKA_BOOTSTRAP_SERVERS")
    )
    #: How the clients reach a broker that asks for them (Strimzi's listeners: TLS, SCRAM);
    #: named after aiokafka's parameters. Locally the broker is plain.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", validation_alias=_shared("KAFKA_SECURITY_PROTOCOL")
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = Field(
        None, validation_alias=_shared("KAFKA_SASL_MECHANISM")
    )
    kafka_sasl_username: str | None = Field(None, validation_alias=_shared("KAFKA_SASL_USERNAME"))
    kafka_sasl_password: SecretStr | None = Field(
        None, validation_alias=_shared("KAFKA_SASL_PASSWORD")
    )
    kafka_ssl_cafile: Path | None = Field(None, validation_alias=_shared("KAFKA_SSL_CAFILE"))
    consumer_group: str | None = Field(None, description="defaults to the service name")
    run_relay: bool = True
    run_consumer: bool = True
    relay_batch_size: int = Field(500, ge=1, le=10_000)
    relay_idle_poll: float = Field(
        0.25, gt=0, description="seconds between polls for what other processes wrote"
    )
    relay_busy_wait: float = Field(0.01, ge=0, description="pause between batches when busy")
    retry_backoff_base: float = Field(0.2, gt=0)
    retry_backoff_cap: float = Field(30.0, gt=0)
    retry_max_attempts: int = Field(5, ge=1, description="for errors not known to be transient")
    #: Retention of the platform's own tables (voimala_kit/retention.py says why these periods).
    run_retention: bool = True
    retention_inbox_days: float = Field(
        45.0,
        gt=0,
        description="days a consumed event's id is kept to refuse it again: longer than any "
        "topic (14 days) or dead-letter topic (30 days) keeps a record",
    )
    retention_interval: float = Field(3600.0, gt=0, description="seconds between purges")
    retention_batch_size: int = Field(5000, ge=1, le=100_000, description="rows per statement")

    #: The keyring (voimala_kit/personal.py): the database holding each person's data key,
    #: by default the `keyring` database on the service's own server with its own role.
    keyring_url: str | None = Field(None, description="defaults to database_url's, db keyring")
    keyring_pool_max: int = Field(2, ge=1, description="connections to the keyring at most")
    #: Base64 of 32 bytes wrapping every data key; unset: the development key (refused in
    #: production). Old ones (comma-separated) still unwrap while keys are rewrapped.
    keyring_kek: SecretStr | None = Field(None, validation_alias=_shared("KEYRING_KEK"))
    keyring_old_keks: SecretStr | None = Field(None, validation_alias=_shared("KEYRING_OLD_KEKS"))

    jwt_public_key_file: Path | None = Field(None, validation_alias=_shared("JWT_PUBLIC_KEY_FILE"))
    #: More trusted public keys, separated by ":" (the portal's, which signs tokens for the
    #: people it has signed in).
    jwt_extra_public_key_files: str = Field(
        "", validation_alias=_shared("JWT_EXTRA_PUBLIC_KEY_FILES")
    )
    jwt_issuer: str = Field("voimala-dev", validation_alias=_shared("JWT_ISSUER"))
    jwt_audience: str = Field("voimala", validation_alias=_shared("JWT_AUDIENCE"))

    @property
    def extra_public_keys(self) -> tuple[Path, ...]:
        return tuple(Path(p) for p in self.jwt_extra_public_key_files.split(":") if p.strip())

    @property
    def keyring_dsn(self) -> str:
        if self.keyring_url:
            return self.keyring_url
        base, _, rest = self.database_url.rpartition("/")
        query = rest.partition("?")[2]
        return f"{base}/keyring" + (f"?{query}" if query else "")

    @property
    def group_id(self) -> str:
        return self.consumer_group or self.service_name

    @model_validator(mode="after")
    def _port_in_range(self) -> ServiceSettings:
        # Checked here, not on the field: each service redefines `port` with its default.
        if not 1 <= self.port <= 65535:
            raise ValueError(f"port {self.port} is outside 1-65535")
        return self

    @model_validator(mode="after")
    def _refuse_insecure_production(self) -> ServiceSettings:
        if self.environment != "production":
            return self
        problems = []
        if self.jwt_public_key_file is None:
            problems.append("VOIMALA_JWT_PUBLIC_KEY_FILE must be set")
        if self.jwt_issuer == "voimala-dev":
            problems.append("VOIMALA_JWT_ISSUER must not be the development issuer")
        if "-dev@" in self.database_url or ":dev@" in self.database_url:
            problems.append("the database password must not be a development default")
        if self.keyring_kek is not None and self.keyring_kek.get_secret_value() == _DEV_KEK:
            problems.append("VOIMALA_KEYRING_KEK must not be the development key")
        if problems:
            raise ValueError("insecure settings for production: " + "; ".join(problems))
        return self
