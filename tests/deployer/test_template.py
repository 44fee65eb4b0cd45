"""The deployer against the real template.yaml, as it stands, with the local overrides."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from embedded_aws.deployer import SKIPPED_MARK
from embedded_aws.intrinsics import load_template, undeclared_references
from embedded_aws.serve import LocalStack, samconfig_overrides

from .conftest import wait_for

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"


def incomplete_reason() -> str | None:
    undeclared = undeclared_references(load_template(TEMPLATE))
    if undeclared:
        return f"template.yaml is mid-edit: refers to undeclared {', '.join(sorted(undeclared))}"
    return None


@pytest.fixture(scope="module")
def local_stack(embedded: Any) -> Any:
    reason = incomplete_reason()
    if reason:
        pytest.skip(reason)
    stack = LocalStack(embedded=embedded, template=TEMPLATE)
    stack.start()
    yield stack
    stack.stop()


def test_given_samconfig_when_read_then_the_local_environment_overrides_are_parsed() -> None:
    overrides = samconfig_overrides(REPO / "samconfig.toml")
    assert overrides["EnableSchedule"] == "false"
    assert overrides["RolloutPollSeconds"] == "1"


def test_given_template_yaml_when_deployed_then_every_declared_output_resolves(
    local_stack: Any,
) -> None:
    declared = load_template(TEMPLATE).get("Outputs") or {}
    for key, output in declared.items():
        if "Condition" in output and key not in local_stack.outputs:
            continue  # its condition is false in this deployment, so CloudFormation omits it
        value = local_stack.outputs.get(key, "")
        assert value, f"output {key} is empty"
        assert SKIPPED_MARK not in value, f"output {key} comes from a skipped resource"


def test_given_template_yaml_when_deployed_then_the_account_fixtures_feed_it(
    local_stack: Any,
) -> None:
    outputs, fixtures = local_stack.outputs, local_stack.fixtures
    assert outputs["ConsumerHostedZoneId"] == fixtures.consumer_zone_id
    assert outputs["ProxyHostedZoneId"] == fixtures.proxy_zone_id
    assert outputs["ServiceNetworkId"] == fixtures.service_network_id
    assert outputs["Endpoint"] == local_stack.embedded.endpoint


def test_given_template_yaml_when_deployed_then_nothing_the_control_plane_needs_is_skipped(
    local_stack: Any,
) -> None:
    control_plane = {
        "AWS::Serverless::Function",
        "AWS::Serverless::StateMachine",
        "AWS::Serverless::LayerVersion",
        "AWS::S3::Bucket",
        "AWS::DynamoDB::Table",
        "AWS::SNS::Topic",
        "AWS::Events::Rule",
        "AWS::ECS::Cluster",
        "AWS::ECS::Service",
    }
    assert not set(local_stack.deployment.skipped.values()) & control_plane


def test_given_template_yaml_when_deployed_then_its_schedule_is_off_and_its_rule_is_on(
    local_stack: Any,
) -> None:
    events = local_stack.embedded.client("events")
    arn = local_stack.outputs["StateMachineArn"]
    names = events.list_rule_names_by_target(TargetArn=arn)["RuleNames"]
    rules = [events.describe_rule(Name=name) for name in names]
    assert {r["State"] for r in rules if "ScheduleExpression" in r} <= {"DISABLED"}
    assert any(r["State"] == "ENABLED" and "EventPattern" in r for r in rules)


def test_given_template_yaml_when_a_dry_run_is_started_then_the_execution_ends(
    local_stack: Any,
) -> None:
    sfn = local_stack.embedded.client("stepfunctions")
    execution = sfn.start_execution(
        stateMachineArn=local_stack.outputs["StateMachineArn"], input='{"dryRun": true}'
    )["executionArn"]

    def finished() -> dict[str, Any] | None:
        result = sfn.describe_execution(executionArn=execution)
        return None if result["status"] == "RUNNING" else result

    # The deployed functions, layer, ASL, bucket, table and zones work together.
    result = wait_for(finished, attempts=600)
    assert result["status"] == "SUCCEEDED", result.get("cause")


def test_given_schedules_asked_for_when_deployed_then_the_full_reconcile_fires(
    embedded: Any,
) -> None:
    reason = incomplete_reason()
    if reason:
        pytest.skip(reason)
    stack = LocalStack(embedded=embedded, template=TEMPLATE, enable_schedules=True)
    outputs = stack.start()
    try:
        events = embedded.client("events")
        names = events.list_rule_names_by_target(TargetArn=outputs["StateMachineArn"])
        [scheduled] = [
            rule
            for rule in (events.describe_rule(Name=n) for n in names["RuleNames"])
            if "ScheduleExpression" in rule
        ]
        assert scheduled["State"] == "ENABLED"
        assert stack.deployment is not None and stack.deployment.scheduler is not None
        sfn = embedded.client("stepfunctions")

        def executions() -> set[str]:
            listed = sfn.list_executions(stateMachineArn=outputs["StateMachineArn"])
            return {e["executionArn"] for e in listed["executions"]}

        before = executions()  # the stack's own convergence pass, started at create
        assert stack.deployment.scheduler.fire(scheduled["Name"]) == 1
        started = wait_for(lambda: executions() - before)
        assert len(started) == 1
    finally:
        stack.stop()
