"""Kafka on Kubernetes against the code: a KafkaTopic for every topic the contracts name, and
each service's KafkaUser allowed exactly what the service produces and consumes."""

from __future__ import annotations

from typing import Any

import pytest
from voimala_contracts import topics
from voimala_ops import OPS_TOPIC

from .conftest import Doc, Rendered
from .platform import Service, services

Acl = tuple[str, str, str, frozenset[str]]


def group_of(rendered: Rendered, service: Service) -> str:
    """The consumer group: <SERVICE>_CONSUMER_GROUP where the manifests set it, else the name."""
    return rendered.configmap(f"{service.name}-config").get(f"{service.prefix}CONSUMER_GROUP") or (
        service.name
    )


def expected_acls(rendered: Rendered, service: Service) -> set[Acl]:
    acls = {
        ("topic", service.produces, "literal", frozenset({"Write", "Describe"})),
        ("topic", service.dead_letters, "literal", frozenset({"Write", "Describe"})),
        ("group", group_of(rendered, service), "literal", frozenset({"Read"})),
    }
    acls |= {("topic", t, "literal", frozenset({"Read", "Describe"})) for t in service.subscribes}
    return acls


def acls_of(user: Doc) -> set[Acl]:
    found = set()
    for acl in user["spec"]["authorization"]["acls"]:
        assert acl.get("type", "allow") == "allow", "deny rules are not how this is written"
        assert acl.get("host", "*") == "*"
        r = acl["resource"]
        found.add(
            (
                r["type"],
                r.get("name", ""),
                r.get("patternType", "literal"),
                frozenset(acl["operations"]),
            )
        )
    return found


def topic_names(rendered: Rendered) -> dict[str, Doc]:
    return {
        t["spec"].get("topicName", t["metadata"]["name"]): t for t in rendered.kind("KafkaTopic")
    }


def test_every_topic_of_the_contracts_has_a_kafka_topic_and_no_other(rendered: Rendered) -> None:
    assert set(topic_names(rendered)) == {*topics.all_topics(), OPS_TOPIC}


def test_every_topic_a_service_reads_or_writes_exists(rendered: Rendered) -> None:
    names = set(topic_names(rendered))
    for service in services().values():
        used = {service.produces, service.dead_letters, *service.subscribes}
        assert used <= names, f"{service.name}: {used - names}"


@pytest.mark.parametrize("name", sorted(services()))
def test_each_service_user_may_do_exactly_what_the_service_does(
    rendered: Rendered, name: str
) -> None:
    service = services()[name]
    user = rendered.one("KafkaUser", name)
    assert user["spec"]["authentication"]["type"] == "scram-sha-512"
    assert acls_of(user) == expected_acls(rendered, service)


def test_there_is_one_user_per_service_and_no_other(rendered: Rendered) -> None:
    assert {u["metadata"]["name"] for u in rendered.kind("KafkaUser")} == {*services(), "ops"}


def test_the_operations_tool_reads_dead_letters_and_sends_them_back_only(
    rendered: Rendered,
) -> None:
    # libs/ops: dead letters read without a group; one sent back to the topic its consumer read
    # it from (a service's own topic); each replay recorded on OPS_TOPIC.
    expected = {("topic", OPS_TOPIC, "literal", frozenset({"Write", "Describe"}))}
    for service in services().values():
        expected.add(("topic", service.dead_letters, "literal", frozenset({"Read", "Describe"})))
        expected.add(("topic", service.produces, "literal", frozenset({"Write", "Describe"})))
    assert acls_of(rendered.one("KafkaUser", "ops")) == expected


def test_the_acl_check_notices_a_missing_subscription(production: Rendered) -> None:
    # As if notifications had started to read voimala.participants.dlq too.
    service = services()["notifications"]
    more = expected_acls(production, service) | {
        ("topic", "voimala.participants.dlq", "literal", frozenset({"Read", "Describe"}))
    }
    assert acls_of(production.one("KafkaUser", "notifications")) != more


def test_no_write_is_acknowledged_on_one_disk(rendered: Rendered) -> None:
    (kafka,) = rendered.kind("Kafka")
    config: dict[str, Any] = kafka["spec"]["kafka"]["config"]
    assert config["min.insync.replicas"] >= 2
    assert config["default.replication.factor"] >= 3
    assert config["auto.create.topics.enable"] is False
    assert config["unclean.leader.election.enable"] is False
    (pool,) = rendered.kind("KafkaNodePool")
    assert pool["spec"]["replicas"] >= 3
    assert set(pool["spec"]["roles"]) == {"controller", "broker"}
    for name, topic in topic_names(rendered).items():
        spec = topic["spec"]
        assert spec["replicas"] >= 3, name
        assert 2 <= int(spec["config"]["min.insync.replicas"]) < spec["replicas"], name


def test_the_services_reach_the_listener_that_exists(rendered: Rendered) -> None:
    (kafka,) = rendered.kind("Kafka")
    (listener,) = kafka["spec"]["kafka"]["listeners"]
    # With the namespace, so that KEDA's operator (in a namespace of its own) finds it too.
    service = f"{kafka['metadata']['name']}-kafka-bootstrap.{kafka['metadata']['namespace']}.svc"
    shared = rendered.configmap("voimala-shared")
    assert shared["VOIMALA_KAFKA_BOOTSTRAP_SERVERS"] == f"{service}:{listener['port']}"
    assert listener["tls"] is True
    assert shared["VOIMALA_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert listener["authentication"]["type"] == "scram-sha-512"
    assert shared["VOIMALA_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    for scaled in rendered.kind("ScaledObject"):
        metadata = scaled["spec"]["triggers"][0]["metadata"]
        assert "bootstrapServers" not in metadata
        assert metadata["bootstrapServersFromEnv"] == "VOIMALA_KAFKA_BOOTSTRAP_SERVERS"


@pytest.mark.parametrize("name", sorted(services()))
def test_the_consumer_scales_on_its_group_up_to_the_partitions(
    rendered: Rendered, name: str
) -> None:
    service = services()[name]
    scaled = rendered.one("ScaledObject", f"{name}-consumer")
    assert scaled["spec"]["scaleTargetRef"]["name"] == f"{name}-consumer"
    rendered.one("Deployment", f"{name}-consumer")
    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["type"] == "kafka"
    assert trigger["metadata"]["consumerGroup"] == group_of(rendered, service)
    # More replicas than the partitions of a topic it reads would sit idle on that topic.
    partitions = topic_names(rendered)
    assert scaled["spec"]["maxReplicaCount"] == min(
        partitions[t]["spec"]["partitions"] for t in service.subscribes
    )
