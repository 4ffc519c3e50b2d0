from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from voimala_kit.kafka import client_security
from voimala_kit.settings import ServiceSettings


class Svc(ServiceSettings):
    service_name: str = "svc"
    port: int = 8101
    database_url: str = "postgresql://svc:svc-dev@127.0.0.1:55432/svc"


def test_shared_values_come_from_voimala_variables(env_clean: pytest.MonkeyPatch) -> None:
    env_clean.setenv("VOIMALA_KAFKA_BOOTSTRAP_SERVERS", "broker:29092")
    env_clean.setenv("VOIMALA_ENV", "test")
    settings = Svc()
    assert settings.kafka_bootstrap_servers == "broker:29092"
    assert settings.environment == "test"
    assert settings.group_id == "svc"


def test_production_refuses_development_defaults(env_clean: pytest.MonkeyPatch) -> None:
    env_clean.setenv("VOIMALA_ENV", "production")
    with pytest.raises(ValidationError) as err:
        Svc()
    message = str(err.value)
    assert "VOIMALA_JWT_PUBLIC_KEY_FILE" in message
    assert "development default" in message


def test_production_with_real_values_starts(env_clean: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env_clean.setenv("VOIMALA_ENV", "production")
    env_clean.setenv("VOIMALA_JWT_PUBLIC_KEY_FILE", str(tmp_path / "key.pem"))
    env_clean.setenv("VOIMALA_JWT_ISSUER", "https://login.salo.example")
    settings = Svc(database_url="postgresql://svc:s3cret-from-vault@db:5432/svc")
    assert settings.environment == "production"


def test_bad_values_are_refused_at_start(env_clean: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError):
        Svc(port=70000)


def test_kafka_clients_get_tls_and_scram_when_the_broker_asks(
    env_clean: pytest.MonkeyPatch,
) -> None:
    plain = Svc()
    assert client_security(plain) == {}
    env_clean.setenv("VOIMALA_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    env_clean.setenv("VOIMALA_KAFKA_SASL_USERNAME", "matching")
    env_clean.setenv("VOIMALA_KAFKA_SASL_PASSWORD", "s3cret")
    secured = client_security(Svc())
    assert secured["security_protocol"] == "SASL_SSL"
    assert secured["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (secured["sasl_plain_username"], secured["sasl_plain_password"]) == (
        "matching",
        "s3cret",
    )
    assert secured["ssl_context"] is not None
    assert "s3cret" not in repr(Svc())
