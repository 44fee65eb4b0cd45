"""The stack's life cycle on the embedded AWS: template.yaml created, updated and deleted by
the deployer as CloudFormation would, with the real ASL and handlers.

- without the config bootstrap, the first deploy rolls back (ProxyService never stabilises);
- created with no Lattice service, the stack completes and the fleet runs the deny-all config;
- created with services already associated, they are published with no manual run;
- an update with a new ConsumerTarget repoints every owned consumer record, no manual run;
- a new consumer zone id withdraws the owned records from the old zone;
- deleting the stack leaves no owned record in either zone.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from embedded_aws.deployer import StackFailed
from embedded_aws.intrinsics import load_template

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"
BOUND_SECONDS = 240.0
REGISTRY_PREFIX = "_lattice-ingress."


# -- helpers -----------------------------------------------------------------------------
def _records(embedded: Any, zone_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    route53 = embedded.client("route53")
    for page in route53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone_id):
        for record in page["ResourceRecordSets"]:
            found[(record["Name"].rstrip(".").lower(), record["Type"])] = record
    return found


def _owned_names(embedded: Any, zone_id: str) -> set[str]:
    """Names whose ownership TXT exists in the zone (the stack's records)."""
    return {
        name.removeprefix(REGISTRY_PREFIX)
        for name, kind in _records(embedded, zone_id)
        if kind == "TXT" and name.startswith(REGISTRY_PREFIX)
    }


def _target(embedded: Any, zone_id: str, name: str) -> str | None:
    records = _records(embedded, zone_id)
    if (cname := records.get((name, "CNAME"))) is not None:
        return str(cname["ResourceRecords"][0]["Value"]).rstrip(".").lower()
    if (alias := records.get((name, "A"))) is not None and "AliasTarget" in alias:
        return str(alias["AliasTarget"]["DNSName"]).rstrip(".").lower()
    return None


def _executions(embedded: Any, state_machine: str) -> list[dict[str, Any]]:
    sfn = embedded.client("stepfunctions")
    found: list[dict[str, Any]] = []
    for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=state_machine):
        found.extend(page["executions"])
    return found


def _settle(embedded: Any, state_machine: str, at_least: int) -> list[dict[str, Any]]:
    """Wait (bounded) until `at_least` executions exist and none runs; the bound is a guard,
    never the assertion."""
    from embedded_aws.compat import cloudtrail

    deadline = time.monotonic() + BOUND_SECONDS
    while time.monotonic() < deadline:
        cloudtrail.wait_for_delivery()
        executions = _executions(embedded, state_machine)
        if len(executions) >= at_least and all(e["status"] != "RUNNING" for e in executions):
            return executions
        time.sleep(0.25)
    raise AssertionError(f"executions of {state_machine} did not settle")


def _create_service(embedded: Any, network: str, name: str, domain: str) -> str:
    lattice = embedded.client("vpc-lattice")
    service_id = str(lattice.create_service(name=name, customDomainName=domain)["id"])
    lattice.create_service_network_service_association(
        serviceIdentifier=service_id, serviceNetworkIdentifier=network
    )
    return service_id


def _wait_active(embedded: Any, service_ids: list[str]) -> None:
    lattice = embedded.client("vpc-lattice")
    deadline = time.monotonic() + BOUND_SECONDS
    while time.monotonic() < deadline:
        statuses = {lattice.get_service(serviceIdentifier=s)["status"] for s in service_ids}
        if statuses == {"ACTIVE"}:
            return
        time.sleep(0.2)
    raise AssertionError("services stayed CREATE_IN_PROGRESS")


def _stack(embedded: Any, **kwargs: Any) -> Any:
    from embedded_aws.serve import LocalStack

    return LocalStack(embedded=embedded, **kwargs)


def _disable_rules(stack: Any) -> None:
    if stack.deployment is not None:
        stack.deployment.stop()


# -- a first deploy with no config bootstrap rolls back ---------------------------------
def test_first_deploy_without_config_bootstrap_rolls_back(embedded: Any, tmp_path: Path) -> None:
    """Remove the bootstrap from a copy of the template: ProxyService's task finds no config,
    the fetcher gives up, nginx never starts, the service does not stabilise, and the
    stack rolls back (every created resource deleted, newest first)."""
    template = load_template(TEMPLATE)
    resources = template["Resources"]
    del resources["ConfigBootstrap"]
    resources["ProxyService"]["DependsOn"] = ["ProxyListenersReady"]
    for directory in ("functions", "layers", "statemachines"):
        (tmp_path / directory).symlink_to(REPO / directory)
    copy = tmp_path / "template.yaml"
    copy.write_text(_yaml_dump(template))
    (tmp_path / "samconfig.toml").write_text((REPO / "samconfig.toml").read_text())

    stack = _stack(embedded, template=copy)
    clusters_before = _active_clusters(embedded)
    functions_before = _function_names(embedded)
    with pytest.raises(StackFailed) as failure:
        stack.start()
    assert failure.value.status == "ROLLBACK_COMPLETE"
    assert "ProxyService" in failure.value.reason
    assert "did not stabilize" in failure.value.reason
    # Everything it created is gone again, except the bucket it keeps by DeletionPolicy.
    assert _active_clusters(embedded) == clusters_before
    assert _function_names(embedded) == functions_before


def _active_clusters(embedded: Any) -> set[str]:
    """A deleted cluster stays INACTIVE for a while, as in AWS."""
    ecs = embedded.client("ecs")
    arns = ecs.list_clusters()["clusterArns"]
    described = ecs.describe_clusters(clusters=arns)["clusters"] if arns else []
    return {c["clusterArn"] for c in described if c["status"] == "ACTIVE"}


def _function_names(embedded: Any) -> set[str]:
    names: set[str] = set()
    for page in embedded.client("lambda").get_paginator("list_functions").paginate():
        names.update(f["FunctionName"] for f in page["Functions"])
    return names


def _yaml_dump(template: dict[str, Any]) -> str:
    """Short forms were expanded by the loader; the long forms dump as plain YAML."""
    return yaml.safe_dump(template, sort_keys=False)


# -- create with no services ---------------------------------------------------------------
def test_create_with_no_services_completes_on_the_deny_all_config(embedded: Any) -> None:
    stack = _stack(embedded)
    try:
        outputs = stack.start()
        assert stack.deployment.status == "CREATE_COMPLETE"
        executions = _settle(embedded, outputs["StateMachineArn"], 1)
        assert [e["status"] for e in executions] == ["SUCCEEDED"]  # the convergence pass
        head = embedded.client("s3").head_object(
            Bucket=outputs["ConfigBucketName"], Key=outputs["ConfigObjectKey"]
        )
        assert head["Metadata"]["service-count"] == "0"
        for zone in (outputs["ConsumerHostedZoneId"], outputs["ProxyHostedZoneId"]):
            assert _owned_names(embedded, zone) == set()
    finally:
        _disable_rules(stack)


# -- create with services, update, zone change, delete: one stack, in order ---------------
@pytest.fixture(scope="module")
def published(embedded: Any) -> Iterator[dict[str, Any]]:
    """Services associated before the stack exists; then the stack is created."""
    from embedded_aws.fixtures import create_fixtures

    fixtures = create_fixtures(embedded)
    suffix = uuid.uuid4().hex[:6]
    domains = [f"life-{i}-{suffix}.{fixtures.domain}" for i in range(3)]
    services = [
        _create_service(embedded, fixtures.service_network_id, f"life-{i}-{suffix}", domain)
        for i, domain in enumerate(domains)
    ]
    _wait_active(embedded, services)
    stack = _stack(embedded, fixtures=fixtures)
    outputs = stack.start()
    try:
        yield {"stack": stack, "outputs": outputs, "domains": domains, "fixtures": fixtures}
    finally:
        _disable_rules(stack)


def test_create_with_services_publishes_them_without_a_manual_run(
    embedded: Any, published: dict[str, Any]
) -> None:
    outputs = published["outputs"]
    executions = _settle(embedded, outputs["StateMachineArn"], 1)
    assert all(e["status"] == "SUCCEEDED" for e in executions)
    consumer_zone = outputs["ConsumerHostedZoneId"]
    assert _owned_names(embedded, consumer_zone) == set(published["domains"])
    assert _owned_names(embedded, outputs["ProxyHostedZoneId"]) == set(published["domains"])
    external = outputs["ExternalNlbDnsName"].lower()
    for domain in published["domains"]:
        assert _target(embedded, consumer_zone, domain) == external
    config = (
        embedded.client("s3")
        .get_object(Bucket=outputs["ConfigBucketName"], Key=outputs["ConfigObjectKey"])["Body"]
        .read()
        .decode()
    )
    for domain in published["domains"]:
        assert domain in config


def test_update_with_new_consumer_target_repoints_every_record(
    embedded: Any, published: dict[str, Any]
) -> None:
    stack, outputs = published["stack"], published["outputs"]
    before = len(_settle(embedded, outputs["StateMachineArn"], 1))
    stack.update({"ConsumerTarget": "internal"})
    assert stack.deployment.status == "UPDATE_COMPLETE"
    executions = _settle(embedded, outputs["StateMachineArn"], before + 1)
    assert all(e["status"] == "SUCCEEDED" for e in executions)
    internal = outputs["InternalNlbDnsName"].lower()
    consumer_zone = outputs["ConsumerHostedZoneId"]
    for domain in published["domains"]:
        assert _target(embedded, consumer_zone, domain) == internal


def test_update_with_new_consumer_zone_withdraws_from_the_old_zone(
    embedded: Any, published: dict[str, Any]
) -> None:
    stack, outputs = published["stack"], published["outputs"]
    old_zone = outputs["ConsumerHostedZoneId"]
    new_zone = (
        embedded.client("route53")
        .create_hosted_zone(Name=published["fixtures"].domain, CallerReference=uuid.uuid4().hex)[
            "HostedZone"
        ]["Id"]
        .rsplit("/", 1)[-1]
    )
    before = len(_settle(embedded, outputs["StateMachineArn"], 1))
    stack.update({"ConsumerHostedZoneId": new_zone})
    _settle(embedded, outputs["StateMachineArn"], before + 1)
    assert _owned_names(embedded, old_zone) == set()
    # Only the zone's own SOA and NS are left in the old zone.
    assert {kind for _, kind in _records(embedded, old_zone)} == {"SOA", "NS"}
    assert _owned_names(embedded, new_zone) == set(published["domains"])
    published["outputs"] = {**outputs, "ConsumerHostedZoneId": new_zone}


def test_update_that_replaces_the_state_machine_keeps_events_flowing(
    embedded: Any, published: dict[str, Any]
) -> None:
    """A new DefinitionSubstitutions value replaces the state machine (new ARN); its event
    rule comes with it and the old one goes: a new service is still published by events."""
    stack = published["stack"]
    old_machine = stack.outputs["StateMachineArn"]
    _settle(embedded, old_machine, 1)
    stack.update({"RolloutPollSeconds": "2"})
    machine = stack.outputs["StateMachineArn"]
    assert machine != old_machine
    with pytest.raises(embedded.client("stepfunctions").exceptions.StateMachineDoesNotExist):
        embedded.client("stepfunctions").describe_state_machine(stateMachineArn=old_machine)
    fixtures = published["fixtures"]
    domain = f"late-{uuid.uuid4().hex[:6]}.{fixtures.domain}"
    _create_service(embedded, fixtures.service_network_id, domain.split(".")[0], domain)
    _settle(embedded, machine, 2)  # the convergence pass, then the CloudTrail-started one
    consumer_zone = published["outputs"]["ConsumerHostedZoneId"]
    deadline = time.monotonic() + BOUND_SECONDS
    while domain not in _owned_names(embedded, consumer_zone) and time.monotonic() < deadline:
        _settle(embedded, machine, 2)
        time.sleep(0.5)
    assert domain in _owned_names(embedded, consumer_zone)
    published["domains"].append(domain)


def test_stack_deletion_leaves_no_owned_record(embedded: Any, published: dict[str, Any]) -> None:
    stack, outputs = published["stack"], published["outputs"]
    _settle(embedded, stack.outputs["StateMachineArn"], 1)
    zones = (outputs["ConsumerHostedZoneId"], outputs["ProxyHostedZoneId"])
    assert all(_owned_names(embedded, zone) for zone in zones)
    functions = {
        created.physical_id
        for created in stack.deployment.resources.values()
        if created.resource_type == "AWS::Serverless::Function"
    }
    stack.delete()
    assert stack.deployment.status == "DELETE_COMPLETE"
    for zone in zones:
        assert _owned_names(embedded, zone) == set()
        assert {kind for _, kind in _records(embedded, zone)} == {"SOA", "NS"}
    assert functions and not functions & _function_names(embedded)
    # The config bucket is kept (DeletionPolicy Retain), with its config history.
    embedded.client("s3").head_bucket(Bucket=outputs["ConfigBucketName"])


def test_template_declares_the_lifecycle_resources() -> None:
    """The order the life cycle relies on: bootstrap before the fleet, convergence last."""
    resources = load_template(TEMPLATE)["Resources"]
    assert "ConfigBootstrap" in resources["ProxyService"]["DependsOn"]
    assert list(resources)[-1] == "StackConvergence"
    assert resources["ConfigBucket"]["DeletionPolicy"] == "Retain"
