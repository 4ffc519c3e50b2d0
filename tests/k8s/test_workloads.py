"""The services' workloads: each service split into api, relay and consumer by the kit's own
settings, every pod locked down and probed, every reference resolving, each service reaching
only its own database, and the pools adding up."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from .conftest import K8S, Doc, Rendered
from .platform import services

COMPONENTS = {
    # component: what it must not run (the kit's run_relay / run_consumer set to false)
    "api": {"run_relay", "run_consumer"},
    "relay": {"run_consumer"},
    "consumer": {"run_relay"},
}
#: Made by the operators from the manifests: Strimzi's CA and one Secret per KafkaUser.
OPERATOR_MADE = {"voimala-cluster-ca-cert"}
#: The operations API's port (libs/ops: OPS_PORT, 8005 by default; deploy/local).
OPS_PORT = 8005


def container(deployment: Doc) -> Doc:
    (app,) = deployment["spec"]["template"]["spec"]["containers"]
    return app


def environment(rendered: Rendered, deployment: Doc) -> dict[str, str]:
    """What the process sees: the ConfigMaps it takes whole, then its own env."""
    app = container(deployment)
    env: dict[str, str] = {}
    by_name = {c["metadata"]["name"]: c.get("data", {}) for c in rendered.kind("ConfigMap")}
    for source in app.get("envFrom", []):
        env.update(by_name[source["configMapRef"]["name"]])
    for var in app.get("env", []):
        env[var["name"]] = var.get("value", "<from a Secret>")
    return env


def documented_external() -> set[str]:
    """The Secrets and ConfigMaps deploy/k8s/README.md says must exist before the apply."""
    readme = (K8S / "README.md").read_text()
    names = set(re.findall(r"^\| `([a-z0-9<>-]+)`", readme, flags=re.MULTILINE))
    return {n.replace("<service>", s) for n in names for s in services()}


@pytest.mark.parametrize("name", sorted(services()))
def test_each_service_is_split_by_its_own_settings(rendered: Rendered, name: str) -> None:
    service = services()[name]
    for component, off in COMPONENTS.items():
        deployment = rendered.one("Deployment", f"{name}-{component}")
        env = environment(rendered, deployment)
        for setting in ("run_relay", "run_consumer"):
            variable = f"{service.prefix}{setting.upper()}"
            assert variable in service.environment, f"{variable} is no setting of {name}"
            expected = "false" if setting in off else "true"
            assert env.get(variable, "true") == expected, (component, variable)
        assert env[f"{service.prefix}HOST"] == "0.0.0.0"  # noqa: S104 - a pod listens on its IP
        assert container(deployment)["image"].split(":")[0].endswith(f"voimala/{name}")


def test_every_pod_is_locked_down_probed_and_sized(rendered: Rendered) -> None:
    for deployment in rendered.kind("Deployment"):
        name = deployment["metadata"]["name"]
        pod = deployment["spec"]["template"]["spec"]
        app = container(deployment)
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["automountServiceAccountToken"] is False, name
        context = app["securityContext"]
        assert context["readOnlyRootFilesystem"] is True, name
        assert context["allowPrivilegeEscalation"] is False, name
        assert context["capabilities"]["drop"] == ["ALL"], name
        assert app["livenessProbe"]["httpGet"]["path"] == "/health/live", name
        assert app["readinessProbe"]["httpGet"]["path"] == "/health/ready", name
        assert app["startupProbe"]["httpGet"]["path"] == "/health/live", name
        assert {"cpu", "memory"} <= app["resources"]["requests"].keys(), name
        assert "memory" in app["resources"]["limits"], name
        writable = {m["mountPath"] for m in app["volumeMounts"] if not m.get("readOnly")}
        assert writable == {"/tmp"}, name


@pytest.mark.parametrize("name", sorted(services()))
def test_the_port_is_the_services_everywhere(rendered: Rendered, name: str) -> None:
    service = services()[name]
    for component in COMPONENTS:
        deployment = rendered.one("Deployment", f"{name}-{component}")
        (port,) = container(deployment)["ports"]
        assert port["containerPort"] == service.port
        assert environment(rendered, deployment)[f"{service.prefix}PORT"] == str(service.port)
    (http,) = rendered.one("Service", name)["spec"]["ports"]
    assert http["port"] == service.port


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return selector.items() <= labels.items()


def test_every_deployment_has_its_disruption_budget_and_autoscaler(rendered: Rendered) -> None:
    budgets = rendered.kind("PodDisruptionBudget")
    scaled = {s["spec"]["scaleTargetRef"]["name"] for s in rendered.kind("ScaledObject")}
    hpas = {h["spec"]["scaleTargetRef"]["name"] for h in rendered.kind("HorizontalPodAutoscaler")}
    for deployment in rendered.kind("Deployment"):
        name = deployment["metadata"]["name"]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        mine = [b for b in budgets if selects(b["spec"]["selector"]["matchLabels"], labels)]
        assert len(mine) == 1, name
        if name.endswith("-api"):
            assert name in hpas
        if name.endswith("-consumer"):
            assert name in scaled


def test_each_service_selects_its_api_pods_only(rendered: Rendered) -> None:
    for http in rendered.kind("Service"):
        name = http["metadata"]["name"]
        selector = http["spec"]["selector"]
        chosen = [
            d["metadata"]["name"]
            for d in rendered.kind("Deployment")
            if selects(selector, d["spec"]["template"]["metadata"]["labels"])
        ]
        assert chosen == (["ops"] if name == "ops" else [f"{name}-api"])


def references(deployment: Doc) -> set[tuple[str, str]]:
    pod = deployment["spec"]["template"]["spec"]
    found = set()
    for source in container(deployment).get("envFrom", []):
        found.add(("ConfigMap", source["configMapRef"]["name"]))
    for var in container(deployment).get("env", []):
        if ref := var.get("valueFrom", {}).get("secretKeyRef"):
            found.add(("Secret", ref["name"]))
    for volume in pod.get("volumes", []):
        if "configMap" in volume:
            found.add(("ConfigMap", volume["configMap"]["name"]))
        if "secret" in volume:
            found.add(("Secret", volume["secret"]["secretName"]))
    return found


def test_every_reference_resolves_or_is_documented(rendered: Rendered) -> None:
    present = {(d["kind"], d["metadata"]["name"]) for d in rendered.docs}
    users = {u["metadata"]["name"] for u in rendered.kind("KafkaUser")}
    made = OPERATOR_MADE | users
    # Every role that logs in has its password Secret (keyring_writer is a group, no login).
    logins = [
        r for c in rendered.kind("Cluster") for r in c["spec"]["managed"]["roles"] if r["login"]
    ]
    secrets = [r["name"] for r in logins]
    needed = {("Secret", r["passwordSecret"]["name"]) for r in logins}
    assert len(needed) == len(secrets)
    for deployment in rendered.kind("Deployment"):
        needed |= references(deployment)
    missing = {(kind, name) for kind, name in needed if (kind, name) not in present}
    unexplained = {n for _, n in missing if n not in made and n not in documented_external()}
    assert not unexplained, f"{rendered.overlay}: neither made here nor documented: {unexplained}"


def database_url(rendered: Rendered, name: str) -> Any:
    service = services()[name]
    (var,) = [
        v
        for v in container(rendered.one("Deployment", f"{name}-api"))["env"]
        if v["name"] == f"{service.prefix}DATABASE_URL"
    ]
    return urlsplit(var["value"])


@pytest.mark.parametrize("name", sorted(services()))
def test_each_service_reaches_its_own_database_only(rendered: Rendered, name: str) -> None:
    url = database_url(rendered, name)
    pooler = rendered.one("Pooler", url.hostname)
    assert pooler["spec"]["pgbouncer"]["poolMode"] == "session"  # asyncpg prepares statements
    assert (url.username, url.path, url.port) == (name, f"/{name}", 5432)
    (database,) = [d for d in rendered.kind("Database") if d["spec"]["name"] == name]
    assert database["spec"]["owner"] == name
    (cluster,) = rendered.kind("Cluster")
    assert pooler["spec"]["cluster"]["name"] == database["spec"]["cluster"]["name"]
    assert database["spec"]["cluster"]["name"] == cluster["metadata"]["name"]
    hba = cluster["spec"]["postgresql"]["pg_hba"]
    allow, reject = f"hostssl {name} {name} all scram-sha-256", f"host all {name} all reject"
    assert hba.index(allow) < hba.index(reject)
    # The network: to its own Pooler, no other; and the Pooler takes only this service.
    policy = rendered.one("NetworkPolicy", name)
    poolers = {
        peer["podSelector"]["matchLabels"]["cnpg.io/poolerName"]
        for rule in policy["spec"]["egress"]
        for peer in rule["to"]
        if "cnpg.io/poolerName" in peer.get("podSelector", {}).get("matchLabels", {})
    }
    assert poolers == {url.hostname}
    guard = rendered.one("NetworkPolicy", url.hostname)
    froms = [p["podSelector"]["matchLabels"] for r in guard["spec"]["ingress"] for p in r["from"]]
    assert {"app.kubernetes.io/name": name} in froms
    assert not [f for f in froms if f.get("app.kubernetes.io/name") in set(services()) - {name}]


@pytest.mark.parametrize("name", sorted(services()))
def test_each_service_reaches_the_keyring_through_its_own_pooler(
    rendered: Rendered, name: str
) -> None:
    """The keyring (voimala_kit.personal): every process has its URL and the KEK; only
    participants, the owner, may destroy keys; the others are keyring_writers."""
    service = services()[name]
    own = database_url(rendered, name)
    for component in COMPONENTS:
        env = {
            v["name"]: v
            for v in container(rendered.one("Deployment", f"{name}-{component}"))["env"]
        }
        url = urlsplit(env[f"{service.prefix}KEYRING_URL"]["value"])
        assert (url.username, url.hostname, url.port, url.path) == (
            name,
            own.hostname,
            5432,
            "/keyring",
        )
        kek = env["VOIMALA_KEYRING_KEK"]["valueFrom"]["secretKeyRef"]
        assert kek == {"name": "voimala-keyring", "key": "kek"}
    (keyring,) = [d for d in rendered.kind("Database") if d["spec"]["name"] == "keyring"]
    assert keyring["spec"]["owner"] == "participants"
    (cluster,) = rendered.kind("Cluster")
    hba = cluster["spec"]["postgresql"]["pg_hba"]
    allow, reject = f"hostssl keyring {name} all scram-sha-256", f"host all {name} all reject"
    assert hba.index(allow) < hba.index(reject)
    (role,) = [r for r in cluster["spec"]["managed"]["roles"] if r["name"] == name]
    assert ("keyring_writer" in role.get("inRoles", [])) == (name != "participants")


def test_only_the_portal_calls_the_services_http(rendered: Rendered) -> None:
    for name in services():
        policy = rendered.one("NetworkPolicy", name)
        assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        callers = {
            peer.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name")
            for rule in policy["spec"]["ingress"]
            for peer in rule["from"]
        }
        # The operations API reads every service's health and lag.
        expected = (
            {"prometheus", "ingress-nginx", "ops"}
            if name == "portal"
            else {"prometheus", "portal", "ops"}
        )
        assert callers == expected, name
    portal = rendered.one("NetworkPolicy", "portal")
    reached = {
        (peer["podSelector"]["matchLabels"].get("app.kubernetes.io/name"), port["port"])
        for rule in portal["spec"]["egress"]
        for peer in rule["to"]
        if "podSelector" in peer and "app.kubernetes.io/name" in peer["podSelector"]["matchLabels"]
        for port in rule["ports"]
    }
    others = {(n, s.port) for n, s in services().items() if n != "portal"} | {("ops", OPS_PORT)}
    assert reached == others


def test_every_platform_pod_is_held_by_a_network_policy(rendered: Rendered) -> None:
    policies = rendered.kind("NetworkPolicy")
    for deployment in rendered.kind("Deployment"):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert any(selects(p["spec"]["podSelector"]["matchLabels"], labels) for p in policies)


def test_the_connections_add_up(production: Rendered) -> None:
    """Every replica at its maximum fits its Pooler, and the Poolers fit PostgreSQL: the
    service's own database and each process's keyring connections (same Pooler)."""
    total = 0
    for name, service in services().items():
        keyring_default = service.settings.model_fields["keyring_pool_max"].default
        most = keyring = 0
        for component in COMPONENTS:
            deployment = production.one("Deployment", f"{name}-{component}")
            env = environment(production, deployment)
            pool = int(env[f"{service.prefix}DB_POOL_MAX"])
            replicas = deployment["spec"]["replicas"]
            for hpa in production.kind("HorizontalPodAutoscaler"):
                if hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]:
                    replicas = hpa["spec"]["maxReplicas"]
            for scaled in production.kind("ScaledObject"):
                if scaled["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]:
                    replicas = scaled["spec"]["maxReplicaCount"]
            most += pool * replicas
            if f"{service.prefix}KEYRING_URL" in env:
                per_process = int(env.get(f"{service.prefix}KEYRING_POOL_MAX", keyring_default))
                keyring += per_process * replicas
        pooler = production.one("Pooler", f"voimala-pg-{name}")
        parameters = pooler["spec"]["pgbouncer"]["parameters"]
        assert int(parameters["default_pool_size"]) >= max(most, keyring), name
        assert int(parameters["max_client_conn"]) >= most + keyring, name
        # Session mode: a server connection per client connection, per database.
        total += min(int(parameters["max_db_connections"]), most) + keyring
    (cluster,) = production.kind("Cluster")
    reserved = 20  # superuser_reserved_connections, replication, the operator's own
    assert total + reserved <= int(cluster["spec"]["postgresql"]["parameters"]["max_connections"])
