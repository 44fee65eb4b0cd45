"""CloudFormation-only constructs: wait condition handles and wait conditions, and custom
resources through their real request/response protocol."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from botocore.exceptions import ClientError

from embedded_aws.deployer.context import (
    Created,
    DeployContext,
    DeployError,
    creator,
    deleter,
    logger,
    updater,
)

CUSTOM_RESOURCE_TYPE = "AWS::CloudFormation::CustomResource"
# CloudFormation waits up to an hour for a response; locally the handler's own Timeout
# (plus this margin) bounds the wait, so a handler that never answers fails the resource.
_RESPONSE_MARGIN_SECONDS = 30.0
_POLL_SECONDS = 0.1


# -- CloudFormation-only constructs -----------------------------------------------------
@creator("AWS::CloudFormation::WaitConditionHandle", "AWS::CloudFormation::WaitCondition")
def _wait_condition(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    """Nothing to create: templates use handles to order resources (their Metadata refers
    to conditional ones), which the dependency graph already honours."""
    url = (
        f"https://cloudformation-waitcondition-{ctx.region}.s3.amazonaws.com/{ctx.name(logical_id)}"
    )
    return Created("AWS::CloudFormation::WaitConditionHandle", url, {"Data": "{}"})


@deleter("AWS::CloudFormation::WaitConditionHandle", "AWS::CloudFormation::WaitCondition")
def _delete_wait_condition(ctx: DeployContext, logical_id: str, created: Created) -> None:
    """Nothing was created."""


# -- custom resources ---------------------------------------------------------------------
@creator(CUSTOM_RESOURCE_TYPE)
def _custom_resource(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    return custom_resource_request(ctx, logical_id, "Create", props)


@updater(CUSTOM_RESOURCE_TYPE)
def _update_custom_resource(
    ctx: DeployContext, logical_id: str, old: Created, props: dict[str, Any]
) -> Created:
    if str(props.get("ServiceToken")) != str(old.properties.get("ServiceToken")):
        raise DeployError(f"{logical_id}: ServiceToken cannot be updated (as in AWS)")
    return custom_resource_request(
        ctx, logical_id, "Update", props, physical_id=old.physical_id, old_props=old.properties
    )


@deleter(CUSTOM_RESOURCE_TYPE)
def _delete_custom_resource(ctx: DeployContext, logical_id: str, created: Created) -> None:
    custom_resource_request(
        ctx, logical_id, "Delete", created.properties, physical_id=created.physical_id
    )


def custom_resource_request(
    ctx: DeployContext,
    logical_id: str,
    request_type: str,
    props: dict[str, Any],
    *,
    physical_id: str | None = None,
    old_props: dict[str, Any] | None = None,
) -> Created:
    """Send one request as CloudFormation does: an asynchronous Lambda invocation carrying
    a pre-signed S3 PUT URL, then wait for the handler to PUT its JSON response there.
    FAILED (or no response in time) fails the resource with the handler's Reason."""
    token = str(props["ServiceToken"])
    s3 = ctx.client("s3")
    bucket = _response_bucket(ctx)
    request_id = str(uuid.uuid4())
    key = f"{ctx.stack_name}/{logical_id}/{request_id}"
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": token,
        "ResponseURL": s3.generate_presigned_url(
            "put_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=7200
        ),
        "StackId": ctx.stack_id,
        "RequestId": request_id,
        "LogicalResourceId": logical_id,
        "ResourceType": str(props.get("__Type", CUSTOM_RESOURCE_TYPE)),
        "ResourceProperties": _as_strings(_public(props)),
    }
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    if old_props is not None:
        event["OldResourceProperties"] = _as_strings(_public(old_props))
    function = _function_name(token)
    lambda_ = ctx.client("lambda")
    try:
        timeout = float(lambda_.get_function_configuration(FunctionName=function)["Timeout"])
    except ClientError as exc:
        raise DeployError(f"{logical_id}: ServiceToken {token}: {exc}") from exc
    lambda_.invoke(FunctionName=function, InvocationType="Event", Payload=json.dumps(event))
    response = _await_response(ctx, bucket, key, timeout + _RESPONSE_MARGIN_SECONDS)
    if response is None:
        raise DeployError(
            f"{logical_id}: {request_type}: custom resource failed to stabilize: no response "
            f"within {timeout + _RESPONSE_MARGIN_SECONDS:.0f}s"
        )
    if response.get("Status") != "SUCCESS":
        raise DeployError(
            f"{logical_id}: {request_type} FAILED: {response.get('Reason') or 'no reason given'}"
        )
    for field in ("RequestId", "LogicalResourceId", "StackId"):
        if response.get(field) != event[field]:
            raise DeployError(f"{logical_id}: response {field} does not match the request")
    new_physical = str(response.get("PhysicalResourceId") or "")
    if not new_physical:
        raise DeployError(f"{logical_id}: response has no PhysicalResourceId")
    data = response.get("Data") or {}
    if not isinstance(data, dict):
        raise DeployError(f"{logical_id}: response Data must be an object")
    logger.info("%s: custom resource %s SUCCESS (%s)", logical_id, request_type, new_physical)
    return Created(CUSTOM_RESOURCE_TYPE, new_physical, dict(data))


def _response_bucket(ctx: DeployContext) -> str:
    """CloudFormation's response bucket lives in its own account; here, one bucket per
    emulator holds every response."""
    name = f"cfn-custom-resource-responses-{ctx.account_id}"
    try:
        ctx.client("s3").create_bucket(Bucket=name)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in (
            "BucketAlreadyOwnedByYou",
            "BucketAlreadyExists",
        ):
            raise
    return name


def _await_response(
    ctx: DeployContext, bucket: str, key: str, timeout: float
) -> dict[str, Any] | None:
    s3 = ctx.client("s3")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404"):
                raise
            time.sleep(_POLL_SECONDS)
            continue
        try:
            response = json.loads(body)
        except json.JSONDecodeError as exc:
            raise DeployError(f"custom resource response is not JSON: {exc}") from exc
        if not isinstance(response, dict):
            raise DeployError("custom resource response is not a JSON object")
        return response
    return None


def _function_name(token: str) -> str:
    """A Lambda ARN (or name) -> what Invoke accepts; SNS service tokens are not emulated."""
    if token.startswith("arn:") and ":sns:" in token:
        raise NotImplementedError("SNS-backed custom resources")
    return token


def _public(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if not k.startswith("__")}


def _as_strings(value: Any) -> Any:
    """CloudFormation hands custom resources every scalar as a string."""
    if isinstance(value, dict):
        return {k: _as_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_strings(v) for v in value]
    if isinstance(value, bool):
        return str(value).lower()
    return str(value) if isinstance(value, int | float) else value
