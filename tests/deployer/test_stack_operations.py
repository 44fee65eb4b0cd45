"""The deployer's CloudFormation semantics on a small stack (tests/deployer/lifecycle_stack):
custom resources through the request/response protocol, create rollback, update in place
or by replacement, and deletion (a non-empty versioned bucket blocks it, as in AWS)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from embedded_aws.deployer import StackFailed, delete_stack, deploy_stack, update_stack
from embedded_aws.deployer.creators import cloudformation

TEMPLATE = Path(__file__).parent / "lifecycle_stack" / "template.yaml"


@pytest.fixture
def log_bucket(embedded: Any) -> str:
    name = f"cr-log-{uuid.uuid4().hex[:12]}"
    embedded.client("s3").create_bucket(Bucket=name)
    return name


def requests_seen(embedded: Any, bucket: str) -> list[dict[str, Any]]:
    s3 = embedded.client("s3")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="requests/").get("Contents", [])
    found = [json.loads(s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()) for o in listed]
    return sorted(found, key=lambda r: str(r["RequestType"] != "Create") + r["RequestType"])


def deploy(embedded: Any, log_bucket: str, **params: str) -> Any:
    overrides = {"LogBucketName": log_bucket, **params}
    return deploy_stack(embedded, TEMPLATE, overrides, stack_name=f"ops-{uuid.uuid4().hex[:6]}")


def test_custom_resource_create_gets_the_protocol_and_its_data_is_an_attribute(
    embedded: Any, log_bucket: str
) -> None:
    stack = deploy(embedded, log_bucket, Generation="7")
    assert stack.outputs["ThingId"] == "thing-a"
    assert stack.outputs["ThingGeneration"] == "7"  # Data -> Fn::GetAtt
    topic = embedded.client("sns").get_topic_attributes(TopicArn=stack.outputs["TopicArn"])
    assert topic["Attributes"]["DisplayName"] == "7"
    (request,) = requests_seen(embedded, log_bucket)
    assert request["RequestType"] == "Create"
    assert request["ResourceType"] == "Custom::Thing"
    assert request["LogicalResourceId"] == "Thing"
    assert request["StackId"].startswith("arn:aws:cloudformation:")
    assert request["ResponseURL"].startswith(embedded.endpoint)
    assert "Signature=" in request["ResponseURL"]  # pre-signed
    assert request["ResourceProperties"]["Count"] == "3"  # every scalar as a string
    assert "PhysicalResourceId" not in request


def test_custom_resource_failed_rolls_the_stack_back_with_its_reason(
    embedded: Any, log_bucket: str
) -> None:
    functions_before = function_names(embedded)
    with pytest.raises(StackFailed) as failure:
        deploy(embedded, log_bucket, Fail="yes")
    assert failure.value.status == "ROLLBACK_COMPLETE"
    assert "Thing: Create FAILED: asked to fail" in failure.value.reason
    assert function_names(embedded) == functions_before  # the handler was rolled back


def function_names(embedded: Any) -> set[str]:
    names: set[str] = set()
    for page in embedded.client("lambda").get_paginator("list_functions").paginate():
        names.update(f["FunctionName"] for f in page["Functions"])
    return names


def test_custom_resource_that_never_answers_fails(
    embedded: Any, log_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cloudformation, "_RESPONSE_MARGIN_SECONDS", 0.5)
    with pytest.raises(StackFailed, match="failed to stabilize: no response"):
        deploy(embedded, log_bucket, Silent="yes")


def test_update_sends_update_with_old_properties_and_replacement_deletes_the_old(
    embedded: Any, log_bucket: str
) -> None:
    stack = deploy(embedded, log_bucket)
    topic = stack.outputs["TopicArn"]
    update_stack(stack, {"Generation": "2"})
    assert stack.status == "UPDATE_COMPLETE"
    assert stack.outputs["ThingGeneration"] == "2"
    # A property of the topic changed (DisplayName) and the topic has no updater: replaced.
    assert stack.outputs["TopicArn"] != topic
    arns = [t["TopicArn"] for t in embedded.client("sns").list_topics()["Topics"]]
    assert topic not in arns and stack.outputs["TopicArn"] in arns
    update_stack(stack, {"Replace": "b"})
    assert stack.outputs["ThingId"] == "thing-b"
    kinds = [
        (r["RequestType"], r.get("PhysicalResourceId")) for r in requests_seen(embedded, log_bucket)
    ]
    assert sorted(kinds) == sorted(
        [("Create", None), ("Update", "thing-a"), ("Update", "thing-a"), ("Delete", "thing-a")]
    )
    updates = [r for r in requests_seen(embedded, log_bucket) if r["RequestType"] == "Update"]
    assert {u["OldResourceProperties"]["Generation"] for u in updates} == {"1", "2"}
    # AWS::StackId: one UUID for the stack's whole life, another for the next stack (the
    # owner id of template.yaml's DNS markers is built from it).
    (stack_id,) = {r["StackId"] for r in requests_seen(embedded, log_bucket)}
    embedded.client("s3").create_bucket(Bucket=f"{log_bucket}-2")
    other = deploy(embedded, f"{log_bucket}-2")
    assert other.context.stack_id.rsplit("/", 1)[-1] != stack_id.rsplit("/", 1)[-1]
    # An unchanged stack is left alone: no request at all.
    before = len(requests_seen(embedded, log_bucket))
    update_stack(stack, {})
    assert len(requests_seen(embedded, log_bucket)) == before


def test_non_empty_versioned_bucket_blocks_deletion_unless_retained(
    embedded: Any, log_bucket: str
) -> None:
    plain = deploy(embedded, log_bucket, KeepBucket="false")
    s3 = embedded.client("s3")
    bucket = plain.outputs["BucketName"]
    s3.put_object(Bucket=bucket, Key="k", Body=b"v1")
    s3.delete_object(Bucket=bucket, Key="k")  # a delete marker; the version remains
    with pytest.raises(StackFailed) as failure:
        delete_stack(plain)
    assert failure.value.status == "DELETE_FAILED"
    assert "BucketNotEmpty" in failure.value.reason
    assert list(plain.resources) == ["PlainBucket"]  # everything else was deleted
    s3.head_bucket(Bucket=bucket)

    kept = deploy(embedded, log_bucket, KeepBucket="true")
    bucket = kept.outputs["BucketName"]
    s3.put_object(Bucket=bucket, Key="k", Body=b"v1")
    delete_stack(kept)
    assert kept.status == "DELETE_COMPLETE"
    s3.head_bucket(Bucket=bucket)  # DeletionPolicy Retain: still there, with its content


ECS_TEMPLATE = TEMPLATE.parent / "ecs.yaml"


def test_service_whose_essential_container_exits_never_stabilises(embedded: Any) -> None:
    """Steady state = the task's essential container keeps running. On create the stack
    rolls back; on update (a new task definition) the update fails."""
    with pytest.raises(StackFailed) as failure:
        deploy_stack(
            embedded, ECS_TEMPLATE, {"Command": "echo broken; exit 3"}, stack_name="ecs-bad"
        )
    assert failure.value.status == "ROLLBACK_COMPLETE"
    assert "Essential container in task exited (main, exit code 3): broken" in failure.value.reason

    stack = deploy_stack(embedded, ECS_TEMPLATE, {}, stack_name="ecs-good")
    assert stack.status == "CREATE_COMPLETE"
    with pytest.raises(StackFailed) as failure:
        update_stack(stack, {"Command": "exit 4"})
    assert failure.value.status == "UPDATE_FAILED"
    assert "exit code 4" in failure.value.reason
