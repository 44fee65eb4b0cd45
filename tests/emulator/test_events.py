"""EventBridge rules deliver to Step Functions and Lambda targets (and still to SQS)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from .emulator_support import ROLE_ARN, Emulator, receive_one, unique

PASS_THROUGH = {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}
LATTICE_EVENT = {
    "Source": "aws.vpc-lattice",
    "DetailType": "AWS API Call via CloudTrail",
    "Detail": json.dumps(
        {"eventSource": "vpc-lattice.amazonaws.com", "eventName": "CreateService", "n": 1}
    ),
}


def started_inputs(emulator: Emulator, machine_arn: str, count: int = 1) -> list[Any]:
    """Inputs of the machine's executions, once `count` have started (bounded wait)."""
    sfn = emulator.client("stepfunctions")
    for _ in range(200):
        executions = sfn.list_executions(stateMachineArn=machine_arn)["executions"]
        if len(executions) >= count:
            return [
                json.loads(sfn.describe_execution(executionArn=e["executionArn"])["input"])
                for e in executions
            ]
        time.sleep(0.05)
    raise AssertionError(f"{machine_arn} has fewer than {count} executions")


def rule_with_targets(emulator: Emulator, source: str, targets: list[dict[str, Any]]) -> str:
    events = emulator.client("events")
    rule = unique("rule")
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": [source]}))
    events.put_targets(
        Rule=rule,
        Targets=[{"Id": f"t{index}", **target} for index, target in enumerate(targets)],
    )
    return rule


def put(emulator: Emulator, source: str, **overrides: str) -> None:
    response = emulator.client("events").put_events(
        Entries=[{**LATTICE_EVENT, "Source": source, **overrides}]
    )
    assert response["FailedEntryCount"] == 0


@pytest.fixture
def source() -> str:
    return unique("test.lattice")


def test_given_state_machine_target_when_event_matches_then_execution_gets_the_event(
    emulator: Emulator, source: str
):
    machine = emulator.create_state_machine(PASS_THROUGH)
    rule_with_targets(emulator, source, [{"Arn": machine, "RoleArn": ROLE_ARN}])

    put(emulator, source)

    (received,) = started_inputs(emulator, machine)
    assert received["source"] == source
    assert received["detail-type"] == "AWS API Call via CloudTrail"
    assert received["detail"]["eventName"] == "CreateService"
    assert received["account"] == "123456789012"
    assert received["time"].endswith("Z")  # ISO-8601, as EventBridge delivers it
    assert {"version", "id", "region", "resources"} <= set(received)


def test_given_lambda_target_when_event_matches_then_handler_receives_the_event(
    emulator: Emulator, source: str
):
    sqs = emulator.client("sqs")
    queue_url = sqs.create_queue(QueueName=unique("lambda-target"))["QueueUrl"]
    recorder = emulator.create_registered_function("recorder", {"QUEUE_URL": queue_url})
    rule_with_targets(emulator, source, [{"Arn": recorder}])

    put(emulator, source)

    received = receive_one(sqs, queue_url)["event"]
    assert received["source"] == source
    assert received["detail"]["n"] == 1


@pytest.mark.parametrize(
    ("target_input", "expected"),
    [
        ({"Input": '{"dryRun": true}'}, {"dryRun": True}),
        (
            {"InputPath": "$.detail"},
            {"eventSource": "vpc-lattice.amazonaws.com", "eventName": "CreateService", "n": 1},
        ),
        (
            {
                "InputTransformer": {
                    "InputPathsMap": {"name": "$.detail.eventName", "n": "$.detail.n"},
                    "InputTemplate": '{"reason": "<name>", "count": <n>, "missing": <nope>}',
                }
            },
            {"reason": "CreateService", "count": 1, "missing": None},
        ),
    ],
    ids=["Input", "InputPath", "InputTransformer"],
)
def test_given_target_input_settings_when_event_matches_then_execution_input_follows_them(
    emulator: Emulator, source: str, target_input: dict[str, Any], expected: Any
):
    if "InputTransformer" in target_input:
        target_input["InputTransformer"]["InputPathsMap"]["nope"] = "$.detail.absent"
    machine = emulator.create_state_machine(PASS_THROUGH)
    rule_with_targets(emulator, source, [{"Arn": machine, **target_input}])

    put(emulator, source)

    assert started_inputs(emulator, machine) == [expected]


def test_given_sqs_and_state_machine_targets_when_event_matches_then_both_receive_it(
    emulator: Emulator, source: str
):
    sqs = emulator.client("sqs")
    queue_url = sqs.create_queue(QueueName=unique("mixed"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    machine = emulator.create_state_machine(PASS_THROUGH)
    rule_with_targets(emulator, source, [{"Arn": queue_arn}, {"Arn": machine}])

    put(emulator, source)

    assert receive_one(sqs, queue_url)["source"] == source
    assert started_inputs(emulator, machine)[0]["source"] == source


def test_given_disabled_rule_when_event_matches_then_nothing_is_delivered(
    emulator: Emulator, source: str
):
    sqs = emulator.client("sqs")
    queue_url = sqs.create_queue(QueueName=unique("disabled"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    rule = rule_with_targets(emulator, source, [{"Arn": queue_arn}])
    emulator.client("events").disable_rule(Name=rule)

    put(emulator, source)

    # SQS delivery happens inside PutEvents, so an empty queue now means nothing was sent.
    assert "Messages" not in sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=0)


def test_given_two_events_when_both_match_then_two_executions_start(
    emulator: Emulator, source: str
):
    machine = emulator.create_state_machine(PASS_THROUGH)
    rule_with_targets(emulator, source, [{"Arn": machine}])

    put(emulator, source)
    put(emulator, source)

    assert len(started_inputs(emulator, machine, count=2)) == 2
