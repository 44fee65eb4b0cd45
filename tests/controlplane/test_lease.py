"""The lease is a lock: fenced writes, renewal while waiting, restores of our own config only.

Real ASL, real handlers, embedded AWS. A "slow rollout" is a held one
(`embedded_aws.compat.ecs.hold_rollouts`), and an expired lease is one whose `expiresAt` the
test moved into the past, as the passing of LeaseTtlSeconds would: no timed assertion.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

# Bounds for waiting on executions (as tests/controlplane/conftest.py bounds them).
IDLE_TIMEOUT_SECONDS = 240.0
POLL_SECONDS = 0.25
ControlPlane = Any


class StackTimeoutError(AssertionError):
    """The embedded stack did not reach the awaited state within the bound."""


pytestmark = pytest.mark.timeout(600)

LEASE_KEY = {"pk": {"S": "reconcile"}}


def _wait_for_end(control_plane: ControlPlane, execution_arn: str) -> dict[str, Any]:
    sfn = control_plane.client("stepfunctions")
    deadline = time.monotonic() + IDLE_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        description: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
        if description["status"] != "RUNNING":
            return description
        time.sleep(POLL_SECONDS)
    raise StackTimeoutError(f"{execution_arn} never ended")


def _expire_lease(control_plane: ControlPlane) -> None:
    """What LeaseTtlSeconds without a renewal does: the lease is free for the next run."""
    control_plane.client("dynamodb").update_item(
        TableName=control_plane.outputs["LeaseTableName"],
        Key=LEASE_KEY,
        UpdateExpression="SET expiresAt = :past",
        ExpressionAttributeValues={":past": {"N": "0"}},
    )


def _config_versions_text(control_plane: ControlPlane) -> list[str]:
    """Texts of every config version, oldest first."""
    s3 = control_plane.client("s3")
    bucket = control_plane.outputs["ConfigBucketName"]
    key = control_plane.outputs["ConfigObjectKey"]
    texts = []
    for version_id in reversed(control_plane.config_versions()):
        body = s3.get_object(Bucket=bucket, Key=key, VersionId=version_id)["Body"]
        texts.append(body.read().decode("utf-8"))
    return texts


def test_given_slow_rollout_when_a_second_run_takes_the_lease_then_no_older_config_returns(
    control_plane,
):
    from embedded_aws.compat import ecs

    control_plane.wait_idle()
    first = f"{control_plane.unique('slow-a')}.{control_plane.domain}"
    second = f"{control_plane.unique('slow-b')}.{control_plane.domain}"
    sfn = control_plane.client("stepfunctions")
    ecs.hold_rollouts()
    try:
        # Run A publishes `first` and waits on its (held) rollout ...
        control_plane.create_service(first.split(".")[0], first)
        run_a = control_plane.wait_for_state("WaitForRollout")
        # ... for longer than its lease: run B takes the lease, publishes and redeploys.
        _expire_lease(control_plane)
        run_b = sfn.start_execution(stateMachineArn=control_plane.state_machine_arn, input="{}")
        control_plane.create_service(second.split(".")[0], second)
        ended_a = _wait_for_end(control_plane, run_a)
    finally:
        ecs.release_rollouts()
    executions = control_plane.wait_idle()

    # A stopped as soon as it found the lease gone: a clear failure, not a rollback.
    assert ended_a["status"] == "FAILED"
    assert ended_a["error"] == "LeaseLostError"
    for execution in executions:
        assert "RestoreConfig" not in control_plane.entered_states(execution["executionArn"])
    assert _wait_for_end(control_plane, run_b["executionArn"])["status"] == "SUCCEEDED"
    # From the first config holding `second` on, no older config was ever current again.
    texts = _config_versions_text(control_plane)
    since = next(i for i, text in enumerate(texts) if second in text)
    assert all(first in text and second in text for text in texts[since:])
    assert first in control_plane.config_text() and second in control_plane.config_text()


def _function(control_plane: ControlPlane, logical_id: str) -> str:
    return control_plane.function_name(logical_id)


def _invoke(control_plane: ControlPlane, logical_id: str, payload: dict[str, Any]) -> Any:
    response = control_plane.client("lambda").invoke(
        FunctionName=_function(control_plane, logical_id), Payload=json.dumps(payload).encode()
    )
    return response.get("FunctionError"), json.loads(response["Payload"].read())


def test_given_a_run_whose_lease_was_taken_when_its_writers_run_then_nothing_is_written(
    control_plane,
):
    control_plane.wait_idle()
    lattice_name = control_plane.unique("fenced")
    domain = f"{lattice_name}.{control_plane.domain}"
    s3 = control_plane.client("s3")
    bucket = control_plane.outputs["ConfigBucketName"]
    # A desired state with one service nobody published yet: every writer has work to do.
    _, discovered = _invoke(
        control_plane, "DiscoverFunction", {"dryRun": False, "executionId": "test-fence"}
    )
    catalog = json.loads(
        s3.get_object(Bucket=bucket, Key=discovered["catalog"]["key"])["Body"].read()
    )
    catalog["services"].append(
        {
            "serviceId": "svc-0fenced000000000",
            "serviceName": lattice_name,
            "domain": domain,
            "upstream": f"{lattice_name}.vpc-lattice-svcs.test",
            "upstreamZoneId": None,
        }
    )
    catalog_ref = {"bucket": bucket, "key": f"catalog/{lattice_name}.json"}
    s3.put_object(Bucket=bucket, Key=catalog_ref["key"], Body=json.dumps(catalog).encode())
    versions = control_plane.config_versions()
    stale = "arn:aws:states:us-east-1:123456789012:execution:reconcile:stale-run"
    dynamodb = control_plane.client("dynamodb")
    table = control_plane.outputs["LeaseTableName"]
    # Another run holds the lease now (it took it after ours expired).
    dynamodb.put_item(
        TableName=table,
        Item={
            **LEASE_KEY,
            "holder": {"S": "another-run"},
            "expiresAt": {"N": str(int(time.time()) + 3600)},
            "pending": {"BOOL": False},
        },
    )
    try:
        results = [
            _invoke(
                control_plane,
                "SyncDnsFunction",
                {"zone": zone, "catalog": catalog_ref, "dryRun": False, "holder": stale},
            )
            for zone in ("consumer", "proxy")
        ]
        results.append(
            _invoke(
                control_plane,
                "RenderConfigFunction",
                {"catalog": catalog_ref, "dryRun": False, "holder": stale},
            )
        )
        results.append(
            _invoke(
                control_plane,
                "RestoreConfigFunction",
                {"versionId": versions[-1], "publishedVersionId": versions[0], "holder": stale},
            )
        )
    finally:
        dynamodb.delete_item(TableName=table, Key=LEASE_KEY)

    assert [(error, payload.get("errorType")) for error, payload in results] == [
        ("Unhandled", "LeaseLostError")
    ] * 4
    assert control_plane.record_target(control_plane.consumer_zone_id, domain) is None
    assert control_plane.record_target(control_plane.proxy_zone_id, domain) is None
    assert control_plane.config_versions() == versions


def test_given_another_config_since_ours_when_restoring_then_it_is_left_in_place(control_plane):
    control_plane.wait_idle()
    versions = control_plane.config_versions()
    assert len(versions) >= 2, "earlier tests of this module publish configs"
    holder = "arn:aws:states:us-east-1:123456789012:execution:reconcile:restoring-run"
    dynamodb = control_plane.client("dynamodb")
    table = control_plane.outputs["LeaseTableName"]
    dynamodb.put_item(
        TableName=table,
        Item={
            **LEASE_KEY,
            "holder": {"S": holder},
            "expiresAt": {"N": str(int(time.time()) + 3600)},
            "pending": {"BOOL": False},
        },
    )
    try:
        # This run "published" the version before the current one; someone published since.
        error, payload = _invoke(
            control_plane,
            "RestoreConfigFunction",
            {"versionId": versions[-1], "publishedVersionId": versions[1], "holder": holder},
        )
    finally:
        dynamodb.delete_item(TableName=table, Key=LEASE_KEY)

    assert error is None, payload
    assert payload["restoredVersionId"] is None
    assert "not this run's" in payload["skipped"]
    assert control_plane.config_versions() == versions


# -- nothing lost, nothing unbounded ------------------------------------------------------------
def _wait_for_only(control_plane: ControlPlane, execution_arn: str) -> None:
    """Until `execution_arn` is the only execution running (the deferred ones have ended)."""
    deadline = time.monotonic() + IDLE_TIMEOUT_SECONDS
    from embedded_aws.compat import cloudtrail

    cloudtrail.wait_for_delivery()
    while time.monotonic() < deadline:
        running = {e["executionArn"] for e in control_plane.executions("RUNNING")}
        if running == {execution_arn}:
            return
        time.sleep(POLL_SECONDS)
    raise StackTimeoutError("deferred executions never ended")


def _wait_active(control_plane: ControlPlane, service_id: str) -> None:
    lattice = control_plane.client("vpc-lattice")
    deadline = time.monotonic() + IDLE_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        items = lattice.list_service_network_service_associations(serviceIdentifier=service_id)
        if all(item["status"] == "ACTIVE" for item in items["items"]):
            return
        time.sleep(POLL_SECONDS)
    raise StackTimeoutError(f"{service_id} never became ACTIVE")


def test_given_a_pass_requested_during_a_run_when_the_run_fails_then_that_pass_follows(
    control_plane,
):
    from embedded_aws.compat import ecs

    control_plane.wait_idle()
    broken = f"{control_plane.unique('doomed')}.{control_plane.domain}"
    late = f"{control_plane.unique('late')}.{control_plane.domain}"
    ecs.fail_next_rollout()
    ecs.hold_rollouts()
    try:
        control_plane.create_service(broken.split(".")[0], broken)
        run_a = control_plane.wait_for_state("WaitForRollout")
        # A trigger while A waits: deferred, it leaves one pending pass with the lease.
        control_plane.create_service(late.split(".")[0], late)
        _wait_for_only(control_plane, run_a)
    finally:
        ecs.release_rollouts()
        ecs.clear_planned_failures()
    ended_a = _wait_for_end(control_plane, run_a)
    control_plane.wait_idle()

    assert ended_a["error"] == "RolloutFailedError"
    assert "ContinueAfterRolloutFailure" in control_plane.entered_states(run_a)
    # The pending pass ran in a fresh execution: the late service is published.
    assert late in control_plane.config_text()
    assert control_plane.record_target(control_plane.consumer_zone_id, late) is not None


def test_given_the_trigger_rules_then_undeliverable_events_go_to_an_alarmed_queue(control_plane):
    events = control_plane.client("events")
    sqs = control_plane.client("sqs")
    rules = events.list_rule_names_by_target(TargetArn=control_plane.state_machine_arn)["RuleNames"]
    assert len(rules) >= 2  # the Lattice API call rule and the schedule
    dead_letter_arns = set()
    for rule in rules:
        (target,) = events.list_targets_by_rule(Rule=rule)["Targets"]
        assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
        dead_letter_arns.add(target["DeadLetterConfig"]["Arn"])
        rule_arn = events.describe_rule(Name=rule)["Arn"]
        (queue_arn,) = dead_letter_arns
        queue_url = sqs.get_queue_url(QueueName=queue_arn.rsplit(":", 1)[-1])["QueueUrl"]
        policy = json.loads(
            sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["Policy"])["Attributes"][
                "Policy"
            ]
        )
        (statement,) = policy["Statement"]
        assert statement["Principal"] == {"Service": "events.amazonaws.com"}
        pattern = statement["Condition"]["ArnLike"]["aws:SourceArn"]
        assert rule_arn.startswith(pattern.rstrip("*"))
    alarms = control_plane.client("cloudwatch").describe_alarms()["MetricAlarms"]
    queue_name = next(iter(dead_letter_arns)).rsplit(":", 1)[-1]
    assert any(
        alarm["Namespace"] == "AWS/SQS"
        and {"Name": "QueueName", "Value": queue_name} in alarm["Dimensions"]
        for alarm in alarms
    )
