"""One description of the platform's parts: the services, their packages, ports, settings'
names, database and portal addresses agree between the code, deploy/local, docker-compose.yml
and deploy/k8s. A service added, renamed or moved to another port in one place and not in
the others fails here."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from voimala_ops.config import SERVICES as OPS_SERVICES

from .conftest import ROOT, Rendered, load_all
from .platform import PACKAGES, services
from .test_workloads import container, environment

LOCAL = ROOT / "deploy" / "local"
#: Set by deploy/k8s for its own use: the database password, put into <SERVICE>_DATABASE_URL.
K8S_HELPERS = {"DATABASE_PASSWORD"}


def local_services() -> dict[str, tuple[str, int]]:
    """deploy/local/services.sh: `service:package:port`."""
    text = (LOCAL / "services.sh").read_text()
    block = re.search(r"^SERVICES=\(([^)]*)\)", text, flags=re.MULTILINE)
    assert block, "no SERVICES=(...) in deploy/local/services.sh"
    found = {}
    for spec in block.group(1).split():
        name, package, port = spec.split(":")
        found[name] = (package, int(port))
    return found


def local_exports() -> set[str]:
    return set(re.findall(r"^export (\w+)=", (LOCAL / "services.sh").read_text(), re.MULTILINE))


def local_databases() -> list[str]:
    """deploy/local/env.sh: one database and one role per name."""
    text = (LOCAL / "env.sh").read_text()
    block = re.search(r"^VOIMALA_SERVICES=\(([^)]*)\)", text, flags=re.MULTILINE)
    assert block, "no VOIMALA_SERVICES=(...) in deploy/local/env.sh"
    return block.group(1).split()


def compose() -> dict[str, Any]:
    """docker-compose.yml's services of ours: those built from deploy/Dockerfile (the rest is
    infrastructure: Kafka, PostgreSQL, Mailpit, Prometheus, ...)."""
    (doc,) = load_all((ROOT / "docker-compose.yml").read_text())
    return {
        n: s
        for n, s in doc["services"].items()
        if isinstance(s.get("build"), dict) and s["build"].get("dockerfile") == "deploy/Dockerfile"
    }


def compose_initdb() -> list[str]:
    text = (ROOT / "deploy" / "compose" / "initdb" / "10-voimala.sh").read_text()
    loop = re.search(r"^for svc in ([a-z ]+); do", text, flags=re.MULTILINE)
    assert loop
    return loop.group(1).split()


def k8s_environment(rendered: Rendered, name: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for component in ("api", "relay", "consumer"):
        env.update(environment(rendered, rendered.one("Deployment", f"{name}-{component}")))
    return env


def local_ports() -> dict[str, int]:
    """deploy/local/env.sh: `: "${<NAME>_PORT:=<port>}"` for every HTTP process."""
    found = re.findall(r'"\$\{([A-Z]+)_PORT:=(\d+)\}"', (LOCAL / "env.sh").read_text())
    return {name.lower(): int(port) for name, port in found}


def test_the_same_services_everywhere(production: Rendered) -> None:
    names = set(services())
    # Beside the services, one more HTTP process: the operations API (libs/ops).
    assert set(local_services()) == names | {"ops"}
    assert set(local_ports()) == names | {"ops"}
    assert set(local_databases()) == names
    # The operations API is not in docker-compose.yml: deploy/Dockerfile builds services/<name>
    # only, and libs/ops is no service (deploy/k8s/README.md, "Not yet").
    assert set(compose()) == names
    assert set(compose_initdb()) == names
    assert {s["metadata"]["name"] for s in production.kind("Service")} == names | {"ops"}
    # Beside the services' databases, the keyring (voimala_kit.personal), which the
    # services' roles reach through the group keyring_writer (participants owns it).
    assert {d["spec"]["name"] for d in production.kind("Database")} == names | {"keyring"}
    assert {
        r["name"] for r in production.one("Cluster", "voimala-pg")["spec"]["managed"]["roles"]
    } == names | {"keyring_writer"}


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_the_same_package_and_port_everywhere(production: Rendered, name: str) -> None:
    service = services()[name]
    package, port = local_services()[name]
    assert (package, port) == (service.package, service.port)
    assert local_ports()[name] == port
    built = compose()[name]["build"]["args"]
    assert (built["SERVICE"], built["PACKAGE"], int(built["PORT"])) == (name, package, port)
    assert f"{port}:{port}" in compose()[name]["ports"]
    (http,) = production.one("Service", name)["spec"]["ports"]
    assert http["port"] == port
    assert k8s_environment(production, name)[f"{service.prefix}PORT"] == str(port)
    image = container(production.one("Deployment", f"{name}-api"))["image"]
    assert image.rsplit(":", 1)[0].endswith(f"/voimala/{name}")


def known_names() -> set[str]:
    return set().union(*(s.environment for s in services().values()))


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_every_variable_set_is_one_the_service_reads(rendered: Rendered, name: str) -> None:
    service = services()[name]
    set_in_compose = set(compose()[name]["environment"])
    assert set_in_compose <= service.environment, set_in_compose - service.environment
    set_in_k8s = set(k8s_environment(rendered, name)) - K8S_HELPERS
    assert set_in_k8s <= service.environment, set_in_k8s - service.environment


def test_what_make_run_exports_is_read_by_some_service() -> None:
    assert local_exports(), "no exports in deploy/local/services.sh"
    assert local_exports() <= known_names(), local_exports() - known_names()


def test_the_portal_reaches_each_service_by_its_name_and_port(production: Rendered) -> None:
    in_compose = compose()["portal"]["environment"]
    in_k8s = k8s_environment(production, "portal")
    for name, service in services().items():
        if name == "portal":
            continue
        variable = f"PORTAL_{name.upper()}_URL"
        expected = f"http://{name}:{service.port}"
        assert in_compose[variable] == expected
        assert in_k8s[variable] == expected


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_each_service_has_its_own_database_and_role_everywhere(
    production: Rendered, name: str
) -> None:
    variable = f"{services()[name].prefix}DATABASE_URL"
    for url in (
        compose()[name]["environment"][variable],
        k8s_environment(production, name)[variable],
    ):
        parts = urlsplit(url)
        assert (parts.username, parts.path) == (name, f"/{name}"), url


def public_addresses(env: dict[str, str]) -> dict[str, str]:
    """Where people reach the portal, as each service is told it."""
    names = ("PORTAL_PUBLIC_URL", "EVENTS_PORTAL_URL", "NOTIFICATIONS_PUBLIC_URL")
    return {n: env.get(n, "<not set>") for n in names}


def test_one_public_address_for_the_portal_in_compose() -> None:
    merged: dict[str, str] = {}
    for service in compose().values():
        merged.update(service["environment"])
    in_compose = public_addresses(merged)
    assert len(set(in_compose.values())) == 1, f"docker-compose.yml: {in_compose}"


def test_one_public_address_for_the_portal_in_k8s(rendered: Rendered) -> None:
    k8s: dict[str, str] = {}
    for name in ("portal", "events", "notifications"):
        k8s.update(k8s_environment(rendered, name))
    in_k8s = public_addresses(k8s)
    assert len(set(in_k8s.values())) == 1, f"{rendered.overlay}: {in_k8s}"


def test_the_operations_api_is_the_same_everywhere(production: Rendered) -> None:
    package, port = local_services()["ops"]
    assert package == "voimala_ops.api"
    assert local_ports()["ops"] == port
    (http,) = production.one("Service", "ops")["spec"]["ports"]
    assert http["port"] == port
    ops = production.one("Deployment", "ops")
    assert container(ops)["command"][-1] == package
    env = environment(production, ops)
    assert env["OPS_PORT"] == str(port)
    # It reads every service where the portal does: by its name and port.
    for name, default in OPS_SERVICES.items():
        assert default == services()[name].port
        assert env[f"VOIMALA_OPS_{name.upper()}_URL"] == f"http://{name}:{default}"
