"""The control plane deployed from template.yaml into the embedded AWS stack: the real ASL,
the real handlers (run in process), CloudTrail events from Lattice calls, rolling ECS
deployments. One deployment per test session (moto's backends are process-global); every
test uses its own service names, so tests never depend on each other's leftovers."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from embedded_aws.executions import run_execution, wait_idle

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"

# Bounds for waiting on asynchronous executions (never timed assertions: a test that hits
# one fails with a message, it does not measure speed).
IDLE_TIMEOUT_SECONDS = 240.0
POLL_SECONDS = 0.25


class StackTimeoutError(AssertionError):
    """The embedded stack did not settle within the bound."""


@dataclass
class ControlPlane:
    """Test-side handle on the deployed stack: drives Lattice and reads what was published."""

    embedded: Any
    outputs: dict[str, str]
    domain: str
    vpc_id: str
    service_network_id: str
    consumer_target: str
    seen_executions: set[str] = field(default_factory=set)
    stack: Any = None  # the LocalStack (for parameter updates: `stack.update({...})`)

    # -- clients ---------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        return self.embedded.client(service)

    @property
    def state_machine_arn(self) -> str:
        return self.outputs["StateMachineArn"]

    @property
    def consumer_zone_id(self) -> str:
        return self.outputs["ConsumerHostedZoneId"]

    @property
    def proxy_zone_id(self) -> str:
        return self.outputs["ProxyHostedZoneId"]

    def function_name(self, logical_id: str) -> str:
        """This stack's function (earlier test modules' stacks stay deployed in the session's
        emulator with the same names up to their suffix, so never match on the name)."""
        return str(self.stack.deployment.resources[logical_id].physical_id)

    def unique(self, label: str) -> str:
        return f"{label}-{uuid.uuid4().hex[:6]}"

    # -- VPC Lattice -----------------------------------------------------------------------
    def create_service(self, name: str, custom_domain: str | None) -> str:
        """A Lattice service with a custom domain, associated with the service network."""
        lattice = self.client("vpc-lattice")
        request: dict[str, Any] = {"name": name}
        if custom_domain is not None:
            request["customDomainName"] = custom_domain
        service_id: str = lattice.create_service(**request)["id"]
        lattice.create_service_network_service_association(
            serviceIdentifier=service_id, serviceNetworkIdentifier=self.service_network_id
        )
        return service_id

    def delete_service(self, service_id: str) -> None:
        """Disassociate, then delete once the association is gone (as AWS requires)."""
        lattice = self.client("vpc-lattice")
        for association in lattice.list_service_network_service_associations(
            serviceIdentifier=service_id
        )["items"]:
            lattice.delete_service_network_service_association(
                serviceNetworkServiceAssociationIdentifier=association["id"]
            )
        deadline = time.monotonic() + IDLE_TIMEOUT_SECONDS
        while True:
            try:
                lattice.delete_service(serviceIdentifier=service_id)
                return
            except lattice.exceptions.ConflictException:
                if time.monotonic() > deadline:
                    raise StackTimeoutError(f"{service_id} stayed associated") from None
                time.sleep(POLL_SECONDS)

    def service_dns_name(self, service_id: str) -> str:
        entry = self.client("vpc-lattice").get_service(serviceIdentifier=service_id)["dnsEntry"]
        return str(entry["domainName"])

    # -- Step Functions --------------------------------------------------------------------
    def executions(self, status: str | None = None) -> list[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        request: dict[str, Any] = {"stateMachineArn": self.state_machine_arn}
        if status:
            request["statusFilter"] = status
        found: list[dict[str, Any]] = []
        for page in sfn.get_paginator("list_executions").paginate(**request):
            found.extend(page["executions"])
        return found

    def wait_idle(self) -> list[dict[str, Any]]:
        """Wait until CloudTrail has delivered every event and no execution runs; return the
        executions that finished since the previous call."""
        from embedded_aws.compat import cloudtrail

        wait_idle(
            self.client("stepfunctions"),
            self.state_machine_arn,
            bound_seconds=IDLE_TIMEOUT_SECONDS,
            flush=cloudtrail.wait_for_delivery,
            timeout_error=StackTimeoutError,
        )
        finished = [e for e in self.executions() if e["executionArn"] not in self.seen_executions]
        self.seen_executions.update(e["executionArn"] for e in finished)
        return finished

    def reconcile(self, execution_input: Any) -> dict[str, Any]:
        """Start a manual execution (after the stack is idle) and return its description."""
        self.wait_idle()
        description = run_execution(
            self.client("stepfunctions"),
            self.state_machine_arn,
            execution_input,
            bound_seconds=IDLE_TIMEOUT_SECONDS,
            timeout_error=StackTimeoutError,
        )
        self.seen_executions.add(description["executionArn"])
        return description

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        events: list[dict[str, Any]] = []
        for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
            events.extend(page["events"])
        return events

    def entered_states(self, execution_arn: str) -> list[str]:
        """Names of the states the execution entered, in order (Map iterations included)."""
        return [
            event["stateEnteredEventDetails"]["name"]
            for event in self.history(execution_arn)
            if "stateEnteredEventDetails" in event
        ]

    def wait_for_state(self, state: str) -> str:
        """The running execution that entered `state` (bounded wait, not a measurement)."""
        deadline = time.monotonic() + IDLE_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            for execution in self.executions("RUNNING"):
                if state in self.entered_states(execution["executionArn"]):
                    return str(execution["executionArn"])
            time.sleep(POLL_SECONDS)
        raise StackTimeoutError(f"no execution reached {state}")

    def rollouts_started(self, executions: list[dict[str, Any]]) -> int:
        """UpdateService calls made by these executions (the StartRollout task succeeding)."""
        count = 0
        for execution in executions:
            for event in self.history(execution["executionArn"]):
                details = event.get("stateExitedEventDetails") or {}
                if event["type"] == "TaskStateExited" and details.get("name") == "StartRollout":
                    count += 1
        return count

    # -- Route 53 --------------------------------------------------------------------------
    def records(self, zone_id: str) -> dict[tuple[str, str], dict[str, Any]]:
        """(name without trailing dot, type) -> record set."""
        route53 = self.client("route53")
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for page in route53.get_paginator("list_resource_record_sets").paginate(
            HostedZoneId=zone_id
        ):
            for record in page["ResourceRecordSets"]:
                found[(record["Name"].rstrip(".").lower(), record["Type"])] = record
        return found

    def record_target(self, zone_id: str, name: str) -> str | None:
        """Where `name` points in the zone (CNAME value or ALIAS DNS name), or None."""
        records = self.records(zone_id)
        if (cname := records.get((name, "CNAME"))) is not None:
            return str(cname["ResourceRecords"][0]["Value"]).rstrip(".").lower()
        if (alias := records.get((name, "A"))) is not None and "AliasTarget" in alias:
            return str(alias["AliasTarget"]["DNSName"]).rstrip(".").lower()
        return None

    def put_record(self, zone_id: str, name: str, record_type: str, value: str) -> None:
        self.client("route53").change_resource_record_sets(
            HostedZoneId=zone_id,
            ChangeBatch={
                "Changes": [
                    {
                        "Action": "UPSERT",
                        "ResourceRecordSet": {
                            "Name": name,
                            "Type": record_type,
                            "TTL": 60,
                            "ResourceRecords": [{"Value": value}],
                        },
                    }
                ]
            },
        )

    def delete_record(self, zone_id: str, name: str, record_type: str) -> None:
        record = self.records(zone_id)[(name, record_type)]
        self.client("route53").change_resource_record_sets(
            HostedZoneId=zone_id,
            ChangeBatch={"Changes": [{"Action": "DELETE", "ResourceRecordSet": record}]},
        )

    # -- S3 (the published NGINX config) ---------------------------------------------------
    def config_text(self) -> str:
        body = self.client("s3").get_object(
            Bucket=self.outputs["ConfigBucketName"], Key=self.outputs["ConfigObjectKey"]
        )["Body"]
        return str(body.read().decode("utf-8"))

    def config_versions(self) -> list[str]:
        """Version ids of the config object, newest first."""
        versions: list[str] = []
        for page in (
            self.client("s3")
            .get_paginator("list_object_versions")
            .paginate(
                Bucket=self.outputs["ConfigBucketName"], Prefix=self.outputs["ConfigObjectKey"]
            )
        ):
            versions.extend(
                v["VersionId"]
                for v in page.get("Versions", [])
                if v["Key"] == self.outputs["ConfigObjectKey"]
            )
        return versions

    def current_config_version(self) -> str | None:
        versions = self.client("s3").list_object_versions(
            Bucket=self.outputs["ConfigBucketName"], Prefix=self.outputs["ConfigObjectKey"]
        )
        for version in versions.get("Versions", []):
            if version["Key"] == self.outputs["ConfigObjectKey"] and version["IsLatest"]:
                return str(version["VersionId"])
        return None


@pytest.fixture(scope="module")
def control_plane(embedded: Any) -> Iterator[ControlPlane]:
    """template.yaml deployed as `lattice-ingress local serve` deploys it (samconfig.toml's
    `local` overrides, account fixtures), into the session's emulator. Afterwards its rules
    are disabled, so Lattice calls of later test modules start no executions here."""
    from embedded_aws.serve import LocalStack

    stack = LocalStack(template=TEMPLATE, embedded=embedded)
    outputs = stack.start()
    assert stack.fixtures is not None and stack.deployment is not None
    control_plane = ControlPlane(
        embedded=embedded,
        outputs=outputs,
        domain=stack.fixtures.domain,
        vpc_id=stack.fixtures.vpc_id,
        service_network_id=stack.fixtures.service_network_id,
        consumer_target=str(stack.deployment.resources["ExternalNlb"].attribute("DNSName")),
        stack=stack,
    )
    try:
        yield control_plane
    finally:
        events = embedded.client("events")
        for name in events.list_rule_names_by_target(TargetArn=control_plane.state_machine_arn)[
            "RuleNames"
        ]:
            events.disable_rule(Name=name)
        control_plane.wait_idle()
        stack.stop()
