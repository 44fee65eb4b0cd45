"""Least privilege, proven from real runs: the stack deployed from template.yaml with the
local data plane, reconciles that take every path that calls AWS (publish, a conflict that
notifies, a failed rollout that restores and notifies, the proxy task fetching its config),
then (the config object deleted by hand in between, so that a pass must republish it):

* no call of any role was refused;
* every statement of every role is needed: without it, some call made above is refused
  (evaluated on the recorded calls, so one run proves it for every statement);
* Discover with main's old policy (before the fix) fails the run, refused by IAM.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from embedded_aws.compat.iam import MISSING_KEY
from embedded_aws.executions import run_execution, wait_idle
from embedded_aws.iam.authorizer import CALLS, Call
from embedded_aws.iam.credentials import identity_policies
from embedded_aws.iam.policy import AuthRequest, evaluate

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
BOUND_SECONDS = 240.0
FUNCTIONS = (
    "ParseTrigger",
    "Lease",
    "Discover",
    "SyncDns",
    "RenderConfig",
    "RestoreConfig",
    "ConfigBootstrap",
    "Converge",
    "ClientPrefixLists",
)
# Statements only the stack's update and deletion use (the run here creates the stack and
# reconciles); each is proven needed by the test named beside it, which fails without it.
PROVEN_ELSEWHERE = {
    ("Converge", "states:StopExecution"): "tests/deployer/test_lifecycle.py (deletion)",
    ("Converge", "route53:ChangeResourceRecordSets"): (
        "tests/deployer/test_lifecycle.py::test_stack_deletion_leaves_no_owned_record"
    ),
    # The withdrawal on deletion lists the zone and verifies the markers' signatures.
    ("Converge", "route53:ListResourceRecordSets"): (
        "tests/deployer/test_lifecycle.py::test_stack_deletion_leaves_no_owned_record"
    ),
    ("Converge", "secretsmanager:GetSecretValue"): (
        "tests/deployer/test_lifecycle.py::test_stack_deletion_leaves_no_owned_record"
    ),
    # A run continues in a fresh execution only at its pass cap or after a failure with a
    # pending pass; the recorded runs here reach neither.
    ("StateMachine", "states:StartExecution"): (
        "tests/controlplane/test_pass_cap.py, tests/controlplane/test_lease.py"
        "::test_given_a_pass_requested_during_a_run_when_the_run_fails_then_that_pass_follows"
    ),
}
# Used by Step Functions itself (execution logs, X-Ray), never by a call of ours.
SERVICE_SIDE_PREFIXES = ("logs:", "xray:")


class StackTimeout(AssertionError):
    pass


@dataclass
class Observed:
    roles: dict[str, str]  # logical name -> role ARN
    calls: list[Call]
    outputs: dict[str, Any]
    embedded: Any
    domain: str

    def reconcile(self, execution_input: Any = None) -> dict[str, Any]:
        sfn = self.embedded.client("stepfunctions")
        return run_execution(
            sfn,
            self.outputs["StateMachineArn"],
            execution_input or {},
            bound_seconds=BOUND_SECONDS,
            timeout_error=StackTimeout,
        )


def _wait_idle(embedded: Any, arn: str) -> None:
    from embedded_aws.compat import cloudtrail

    wait_idle(
        embedded.client("stepfunctions"),
        arn,
        bound_seconds=BOUND_SECONDS,
        flush=cloudtrail.wait_for_delivery,
        timeout_error=StackTimeout,
    )


def _associate(embedded: Any, network: str, name: str, domain: str) -> None:
    lattice = embedded.client("vpc-lattice")
    service = lattice.create_service(name=name, customDomainName=domain)["id"]
    lattice.create_service_network_service_association(
        serviceIdentifier=service, serviceNetworkIdentifier=network
    )


def _roles(embedded: Any, stack: Any, outputs: dict[str, Any]) -> dict[str, str]:
    resources = stack.deployment.resources
    lambda_ = embedded.client("lambda")
    roles = {
        name: lambda_.get_function_configuration(
            FunctionName=resources[f"{name}Function"].physical_id
        )["Role"]
        for name in FUNCTIONS
    }
    sfn = embedded.client("stepfunctions")
    roles["StateMachine"] = sfn.describe_state_machine(stateMachineArn=outputs["StateMachineArn"])[
        "roleArn"
    ]
    task = embedded.client("ecs").describe_task_definition(
        taskDefinition=outputs["ProxyTaskDefinitionArn"]
    )
    roles["ProxyTask"] = task["taskDefinition"]["taskRoleArn"]
    return roles


@pytest.fixture(scope="module")
def observed(embedded: Any) -> Iterator[Observed]:
    from embedded_aws.compat import ecs
    from embedded_aws.dataplane import LocalDataPlane
    from embedded_aws.serve import LocalStack

    stack = LocalStack(
        embedded=embedded,
        template=TEMPLATE,
        params=LocalDataPlane.reserve(embedded),
        dataplane=True,
    )
    CALLS.clear()  # from the create on: the config bootstrap and the convergence pass
    outputs = stack.start()
    assert stack.fixtures is not None
    arn, network, domain = (
        outputs["StateMachineArn"],
        outputs["ServiceNetworkId"],
        stack.fixtures.domain,
    )
    try:
        tag = uuid.uuid4().hex[:6]
        # A service published; a name taken by someone else's record (conflict -> SNS).
        _associate(embedded, network, f"lp-{tag}", f"lp-{tag}.{domain}")
        embedded.client("route53").change_resource_record_sets(
            HostedZoneId=outputs["ConsumerHostedZoneId"],
            ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
                "Name": f"taken-{tag}.{domain}", "Type": "CNAME", "TTL": 60,
                "ResourceRecords": [{"Value": "someone-else.test"}]}}]},
        )  # fmt: skip
        _associate(embedded, network, f"taken-{tag}", f"taken-{tag}.{domain}")
        _wait_idle(embedded, arn)
        # A rollout that fails: RestoreConfig, then the SNS notification.
        ecs.fail_next_rollout()
        try:
            _associate(embedded, network, f"broken-{tag}", f"broken-{tag}.{domain}")
            _wait_idle(embedded, arn)
        finally:
            ecs.clear_planned_failures()
        # The config object deleted by hand: the next pass must read 404 (which S3 answers
        # only to a caller allowed s3:ListBucket) and publish it again.
        embedded.client("s3").delete_object(
            Bucket=outputs["ConfigBucketName"], Key=outputs["ConfigObjectKey"]
        )
        republished = run_execution(
            embedded.client("stepfunctions"),
            arn,
            {},
            bound_seconds=BOUND_SECONDS,
            timeout_error=StackTimeout,
        )
        assert republished["status"] == "SUCCEEDED", republished
        embedded.client("s3").head_object(
            Bucket=outputs["ConfigBucketName"], Key=outputs["ConfigObjectKey"]
        )
        stack._dataplane.task.wait_for_event("config_fetched", timeout=BOUND_SECONDS)
        roles = _roles(embedded, stack, outputs)
        yield Observed(roles, CALLS.snapshot(), outputs, embedded, domain)
    finally:
        events = embedded.client("events")
        for name in events.list_rule_names_by_target(TargetArn=arn)["RuleNames"]:
            events.disable_rule(Name=name)
        _wait_idle(embedded, arn)
        stack.stop()


def _by_role(observed: Observed) -> dict[str, list[Call]]:
    names = {arn: name for name, arn in observed.roles.items()}
    grouped: dict[str, list[Call]] = defaultdict(list)
    for call in observed.calls:
        if call.role_arn in names:
            grouped[names[call.role_arn]].append(call)
    return grouped


def test_given_full_reconciles_then_no_call_of_any_role_was_refused(observed: Observed):
    grouped = _by_role(observed)
    # The proxy task polls for a config before the first one exists: S3 answers 403 (it may
    # not list the bucket) and the entrypoint retries, as it would in AWS.
    refused = [
        c
        for name, calls in grouped.items()
        for c in calls
        if not c.allowed and not (name == "ProxyTask" and c.operation.endswith(MISSING_KEY))
    ]

    # What each role used (shown with -s): the evidence behind the template's policies.
    for name in sorted(grouped):
        print(f"{name}: {sorted({c.action for c in grouped[name]})}")
    assert refused == []
    # Every role that makes AWS calls was exercised (ParseTrigger makes none).
    assert set(grouped) == set(observed.roles) - {"ParseTrigger"}


def _statements(role_arn: str) -> list[tuple[int, int, dict[str, Any]]]:
    found = []
    for p, document in enumerate(identity_policies(role_arn)):
        statements = json.loads(document)["Statement"]
        for s, statement in enumerate(statements if isinstance(statements, list) else [statements]):
            found.append((p, s, statement))
    return found


def _without(role_arn: str, policy: int, statement: int) -> list[dict[str, Any]]:
    documents = [json.loads(d) for d in identity_policies(role_arn)]
    statements = documents[policy]["Statement"]
    documents[policy]["Statement"] = [
        s
        for i, s in enumerate(statements if isinstance(statements, list) else [statements])
        if i != statement
    ]
    return documents


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement.get("Action", [])
    return [actions] if isinstance(actions, str) else list(actions)


def test_given_the_recorded_calls_then_removing_any_statement_of_any_role_refuses_one(
    observed: Observed,
):
    grouped = _by_role(observed)
    unneeded = []
    for name, role_arn in observed.roles.items():
        for policy, index, statement in _statements(role_arn):
            if all(a.startswith(SERVICE_SIDE_PREFIXES) for a in _actions(statement)):
                continue
            if any((name, a) in PROVEN_ELSEWHERE for a in _actions(statement)):
                continue
            reduced = _without(role_arn, policy, index)
            principal = f"arn:aws:sts::123456789012:assumed-role/{role_arn.rsplit('/', 1)[-1]}/x"
            needed = any(
                not evaluate(
                    reduced,
                    AuthRequest(
                        principal, c.action, c.resource, {k: list(v) for k, v in c.context}
                    ),
                ).allowed
                for c in grouped.get(name, [])
                if c.allowed
            )
            if not needed:
                unneeded.append((name, statement))
    assert unneeded == []


# main's DiscoverFunction policy before the fix: no zone read, no catalog read, no ListBucket.
@pytest.mark.parametrize(
    ("dropped", "refusal"),
    [
        ("route53:GetHostedZone", "route53:GetHostedZone"),  # the zone names
        ("s3:ListBucket", "HeadObject operation: Forbidden"),  # a new catalog: 403, not 404
    ],
)
def test_given_discover_without_a_needed_grant_when_reconciled_then_the_run_fails_refused(
    observed: Observed, dropped: str, refusal: str
):
    iam = observed.embedded.client("iam")
    role = observed.roles["Discover"].rsplit("/", 1)[-1]
    [policy_name] = iam.list_role_policies(RoleName=role)["PolicyNames"]
    original = iam.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]
    reduced = {
        **original,
        "Statement": [s for s in original["Statement"] if dropped not in _actions(s)],
    }
    assert len(reduced["Statement"]) == len(original["Statement"]) - 1
    iam.put_role_policy(RoleName=role, PolicyName=policy_name, PolicyDocument=json.dumps(reduced))
    try:
        # A service the catalog has never held, so Discover must store a new catalog.
        tag = uuid.uuid4().hex[:6]
        _associate(
            observed.embedded,
            observed.outputs["ServiceNetworkId"],
            f"denied-{tag}",
            f"denied-{tag}.{observed.domain}",
        )
        _wait_idle(observed.embedded, observed.outputs["StateMachineArn"])
        execution = observed.reconcile()
    finally:
        iam.put_role_policy(
            RoleName=role, PolicyName=policy_name, PolicyDocument=json.dumps(original)
        )

    assert execution["status"] == "FAILED"
    assert refusal in execution.get("cause", "")
    assert "AccessDenied" in execution.get("cause", "") or "Forbidden" in execution.get("cause", "")
