"""Every overlay renders, and every object in it is valid for the API that will receive it:
built-in kinds against Kubernetes' own JSON schemas, custom resources against the schema in
their operator's CRD. Unknown fields fail too (the API server would drop them silently)."""

from __future__ import annotations

import copy
import re
from functools import cache
from typing import Any

import pytest

from .conftest import Doc, Rendered, load_all, tools

#: The oldest Kubernetes the platform is to run on; the schemas of this minor version.
KUBERNETES = "1.33"

#: Where each custom resource's CRD comes from (tests/k8s/tools/setup.sh).
CRDS = {
    ("kafka.strimzi.io", "Kafka"): "strimzi/Kafka.yaml",
    ("kafka.strimzi.io", "KafkaNodePool"): "strimzi/KafkaNodePool.yaml",
    ("kafka.strimzi.io", "KafkaTopic"): "strimzi/KafkaTopic.yaml",
    ("kafka.strimzi.io", "KafkaUser"): "strimzi/KafkaUser.yaml",
    ("postgresql.cnpg.io", "Cluster"): "cnpg/postgresql.cnpg.io_clusters.yaml",
    ("postgresql.cnpg.io", "Database"): "cnpg/postgresql.cnpg.io_databases.yaml",
    ("postgresql.cnpg.io", "Pooler"): "cnpg/postgresql.cnpg.io_poolers.yaml",
    ("keda.sh", "ScaledObject"): "keda/keda.sh_scaledobjects.yaml",
    ("keda.sh", "TriggerAuthentication"): "keda/keda.sh_triggerauthentications.yaml",
    ("monitoring.coreos.com", "PodMonitor"): "prometheus/monitoring.coreos.com_podmonitors.yaml",
    ("monitoring.coreos.com", "PrometheusRule"): (
        "prometheus/monitoring.coreos.com_prometheusrules.yaml"
    ),
}

DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def structural(schema: Any) -> Any:
    """An OpenAPI v3 schema of a CRD as JSON Schema, as strict as the API server's pruning:
    an object that lists its properties takes no others (the server would drop them without
    a word, which is worse than an error)."""
    if isinstance(schema, list):
        return [structural(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: structural(v) for k, v in schema.items() if not k.startswith("x-kubernetes-")}
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if out.pop("nullable", False) and "type" in out:
        out["type"] = [out["type"], "null"]
    keeps_unknown = schema.get("x-kubernetes-preserve-unknown-fields")
    if "properties" in out and "additionalProperties" not in out and not keeps_unknown:
        out["additionalProperties"] = False
    return out


@cache
def crd_validator(group: str, kind: str, version: str) -> Any:
    root = tools()
    from jsonschema import Draft7Validator  # noqa: PLC0415 - .local/k8s/pylib

    path = root / "crds" / CRDS[(group, kind)]
    (crd,) = load_all(path.read_text())
    served = {v["name"]: v for v in crd["spec"]["versions"] if v.get("served")}
    assert version in served, f"{kind}: {path.name} serves {sorted(served)}, not {version}"
    schema = structural(copy.deepcopy(served[version]["schema"]["openAPIV3Schema"]))
    return Draft7Validator(schema)


@cache
def crd_schema(group: str, kind: str, version: str) -> Any:
    (crd,) = load_all((tools() / "crds" / CRDS[(group, kind)]).read_text())
    (served,) = [v for v in crd["spec"]["versions"] if v["name"] == version]
    return served["schema"]["openAPIV3Schema"]


def broken_rules(schema: Any, value: Any, path: str = "") -> list[str]:
    """The CRD's CEL rules (x-kubernetes-validations) that `value` breaks, as the API server
    evaluates them on create. Transition rules (those that compare with `oldSelf`) apply
    only to updates and are left out."""
    tools()
    import celpy  # noqa: PLC0415 - .local/k8s/pylib

    found = []
    for rule in schema.get("x-kubernetes-validations", []):
        if "oldSelf" in rule["rule"]:
            continue
        env = celpy.Environment()
        try:
            ok = env.program(env.compile(rule["rule"])).evaluate({"self": celpy.json_to_cel(value)})
        except Exception as e:  # noqa: BLE001 - an error fails the rule, as in the API server
            ok = e
        if ok is not True and not (isinstance(ok, celpy.celtypes.BoolType) and bool(ok)):
            found.append(f"{path or '(root)'}: {rule.get('message') or rule['rule']}")
    if isinstance(value, dict):
        for key, item in value.items():
            sub = schema.get("properties", {}).get(key)
            if sub is None and isinstance(schema.get("additionalProperties"), dict):
                sub = schema["additionalProperties"]
            if sub is not None:
                found += broken_rules(sub, item, f"{path}.{key}".lstrip("."))
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            found += broken_rules(schema["items"], item, f"{path}[{i}]")
    return found


def problems(doc: Doc) -> list[str]:
    group, _, version = doc["apiVersion"].rpartition("/")
    if (group, doc["kind"]) in CRDS:
        validator = crd_validator(group, doc["kind"], version)
        return [
            f"{'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}"
            for e in validator.iter_errors(doc)
        ] + broken_rules(crd_schema(group, doc["kind"], version), doc)
    tools()
    import kubernetes_validate  # noqa: PLC0415 - .local/k8s/pylib

    try:
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)
    except kubernetes_validate.ValidationError as e:
        return [f"{'.'.join(map(str, e.absolute_path))}: {e.message[:300]}"]
    except kubernetes_validate.SchemaNotFoundError as e:
        return [f"no schema: {e.message}"]
    return []


def test_every_object_is_valid_for_its_api(rendered: Rendered) -> None:
    found = {f"{d['kind']}/{d['metadata']['name']}": p for d in rendered.docs if (p := problems(d))}
    assert not found, f"{rendered.overlay}: {found}"


def test_every_name_is_a_dns_subdomain(rendered: Rendered) -> None:
    bad = [
        d["metadata"]["name"]
        for d in rendered.docs
        if not DNS_SUBDOMAIN.match(d["metadata"]["name"])
    ]
    assert not bad


@pytest.mark.parametrize(
    ("doc", "error"),
    [
        (
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "x"},
                "spec": {"replicas": "two", "selector": {}, "template": {}},
            },
            "replicas",
        ),
        (
            {
                "apiVersion": "policy/v1",
                "kind": "PodDisruptionBudget",
                "metadata": {"name": "x"},
                "spec": {"maxUnavailable": 1, "selectr": {}},
            },
            "selectr",
        ),
        (
            {
                "apiVersion": "kafka.strimzi.io/v1",
                "kind": "KafkaTopic",
                "metadata": {"name": "x"},
                "spec": {"partitons": 12},
            },
            "partitons",
        ),
        (
            {
                "apiVersion": "postgresql.cnpg.io/v1",
                "kind": "Pooler",
                "metadata": {"name": "x"},
                "spec": {"cluster": {"name": "c"}, "pgbouncer": {"poolMode": "statement"}},
            },
            "statement",
        ),
        (
            {
                "apiVersion": "kafka.strimzi.io/v1",
                "kind": "KafkaUser",
                "metadata": {"name": "x"},
                "spec": {"authentication": {"type": "scram-sha-512", "validityDays": 30}},
            },
            "validityDays",
        ),
        (
            {
                "apiVersion": "postgresql.cnpg.io/v1",
                "kind": "Database",
                "metadata": {"name": "x"},
                "spec": {"cluster": {"name": "c"}, "name": "postgres", "owner": "x"},
            },
            "postgres is reserved",
        ),
        (
            {
                "apiVersion": "kafka.strimzi.io/v1beta2",
                "kind": "KafkaUser",
                "metadata": {"name": "x"},
                "spec": {},
            },
            "serves",
        ),
    ],
    ids=[
        "built-in",
        "built-in-unknown-field",
        "unknown-field",
        "enum",
        "cel",
        "cel-name",
        "unserved-version",
    ],
)
def test_the_checks_catch_what_they_are_for(doc: Doc, error: str) -> None:
    try:
        found = problems(doc)
    except AssertionError as e:
        found = [str(e)]
    assert any(error in p for p in found), found
