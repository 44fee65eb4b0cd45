"""IAM: roles, inline and managed policies, and the role SAM generates for a resource
that names none."""

from __future__ import annotations

import uuid
from typing import Any

from botocore.exceptions import ClientError

from embedded_aws.deployer.context import Created, DeployContext, creator, logger
from embedded_aws.deployer.helpers import json_text, tag_list


# -- IAM -------------------------------------------------------------------------------
@creator("AWS::IAM::Role")
def _iam_role(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    iam = ctx.client("iam")
    name = props.get("RoleName") or ctx.name(logical_id)
    role = iam.create_role(
        RoleName=name,
        Path=props.get("Path", "/"),
        AssumeRolePolicyDocument=json_text(props["AssumeRolePolicyDocument"]),
        Tags=tag_list(props),
    )["Role"]
    for policy in props.get("Policies") or []:
        iam.put_role_policy(
            RoleName=name,
            PolicyName=policy["PolicyName"],
            PolicyDocument=json_text(policy["PolicyDocument"]),
        )
    for arn in props.get("ManagedPolicyArns") or []:
        try:
            iam.attach_role_policy(RoleName=name, PolicyArn=arn)
        except ClientError as exc:  # moto knows only some AWS managed policies
            logger.info("%s: managed policy %s not attached locally: %s", logical_id, arn, exc)
    return Created("AWS::IAM::Role", name, {"Arn": role["Arn"], "RoleId": role["RoleId"]})


@creator("AWS::IAM::Policy", "AWS::IAM::RolePolicy")
def _iam_policy(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    roles = props.get("Roles") or ([props["RoleName"]] if "RoleName" in props else [])
    for role in roles:
        ctx.client("iam").put_role_policy(
            RoleName=role,
            PolicyName=props["PolicyName"],
            PolicyDocument=json_text(props["PolicyDocument"]),
        )
    return Created("AWS::IAM::Policy", f"{props['PolicyName']}-{uuid.uuid4().hex[:8]}")


@creator("AWS::IAM::ManagedPolicy")
def _iam_managed_policy(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    iam = ctx.client("iam")
    arn = iam.create_policy(
        PolicyName=props.get("ManagedPolicyName") or ctx.name(logical_id, 128),
        PolicyDocument=json_text(props["PolicyDocument"]),
    )["Policy"]["Arn"]
    for role in props.get("Roles") or []:
        iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    return Created("AWS::IAM::ManagedPolicy", arn, {"PolicyArn": arn})


def implicit_role(ctx: DeployContext, logical_id: str, principal: str, policies: Any) -> str:
    """The role SAM generates (`<LogicalId>Role`) when a resource names no Role."""
    role_id = f"{logical_id}Role"
    props: dict[str, Any] = {
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"}
            ],
        },
        "Policies": [],
    }
    if policies is not None:
        for index, policy in enumerate(policies if isinstance(policies, list) else [policies]):
            if isinstance(policy, dict) and "Statement" in policy:
                props["Policies"].append(
                    {"PolicyName": f"{role_id}Policy{index}", "PolicyDocument": policy}
                )
            else:  # SAM policy templates and managed names: no IAM evaluation locally anyway
                logger.info(
                    "%s: policy %r recorded, not expanded (IAM not enforced)", role_id, policy
                )
    created = _iam_role(ctx, role_id, props)
    ctx.implicit[role_id] = created
    return str(created.attributes["Arn"])
