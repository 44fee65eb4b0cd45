"""template.yaml's Rules and parameter patterns refuse a bad deploy before anything is
created (as CloudFormation does), and every function and the state machine log to a
declared log group with the LogRetentionDays retention."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from embedded_aws.intrinsics import ParameterError, load_template
from embedded_aws.serve import LocalStack, samconfig_overrides

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


@pytest.fixture(scope="module")
def local_stack(embedded: Any, account: Any) -> Any:
    stack = LocalStack(embedded=embedded, template=TEMPLATE, fixtures=account)
    stack.start()
    yield stack
    stack.stop()


def _function_count(embedded: Any) -> int:
    pages = embedded.client("lambda").get_paginator("list_functions").paginate()
    return sum(len(page["Functions"]) for page in pages)


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"ConfigObjectKey": "catalog/nginx.conf"}, "ConfigObjectKey"),
        ({"ConfigObjectKey": "nginx/nginx conf"}, "ConfigObjectKey"),
        ({"ProxyHostedZoneId": "<consumer>"}, "DistinctHostedZones"),
    ],
)
def test_given_a_parameter_the_rules_refuse_when_deployed_then_nothing_is_created(
    embedded: Any, account: Any, params: dict[str, str], named: str
) -> None:
    params = {k: account.consumer_zone_id if v == "<consumer>" else v for k, v in params.items()}
    before = _function_count(embedded)
    stack = LocalStack(embedded=embedded, template=TEMPLATE, fixtures=account, params=params)

    with pytest.raises(ParameterError, match=named):
        stack.start()

    assert _function_count(embedded) == before


def test_given_a_deployed_stack_when_updated_to_one_zone_then_the_rule_refuses_it(
    local_stack: Any,
) -> None:
    with pytest.raises(ParameterError, match="DistinctHostedZones"):
        local_stack.update({"ProxyHostedZoneId": local_stack.fixtures.consumer_zone_id})


def test_given_the_template_then_every_function_and_the_state_machine_log_with_retention(
    local_stack: Any,
) -> None:
    resources = load_template(TEMPLATE)["Resources"]
    groups: list[str] = []
    for logical_id, body in resources.items():
        props = body.get("Properties") or {}
        if body["Type"] == "AWS::Serverless::Function":
            group = props.get("LoggingConfig", {}).get("LogGroup", {}).get("Ref")
            assert group, f"{logical_id} has no declared log group"
            groups.append(group)
        if body["Type"] == "AWS::Serverless::StateMachine":
            (destination,) = props["Logging"]["Destinations"]
            groups.append(destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0])
    retention = int(samconfig_overrides(TEMPLATE.parent / "samconfig.toml")["LogRetentionDays"])
    logs = local_stack.embedded.client("logs")
    for group in groups:
        declared = resources[group]
        assert declared["Type"] == "AWS::Logs::LogGroup"
        assert declared["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        name = local_stack.deployment.resources[group].physical_id
        (found,) = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
        assert found["retentionInDays"] == retention
