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


# The SAM policy templates the template uses, as SAM expands them
# (samtranslator/policy_templates_data/policy_templates.json); add one when the template does.
_SAM_TEMPLATES: dict[str, tuple[str, str]] = {
    "LambdaInvokePolicy": (
        "lambda:InvokeFunction",
        "arn:{partition}:lambda:{region}:{account}:function:{FunctionName}*",
    ),
    "SNSPublishMessagePolicy": (
        "sns:Publish",
        "arn:{partition}:sns:{region}:{account}:{TopicName}",
    ),
}


class PolicyTemplateError(ValueError):
    """A SAM policy template this deployer cannot expand (so IAM could not enforce it)."""


def sam_policy_template(ctx: DeployContext, name: str, args: dict[str, Any]) -> dict[str, Any]:
    if name not in _SAM_TEMPLATES:
        raise PolicyTemplateError(
            f"SAM policy template {name} is not expanded locally: add it to _SAM_TEMPLATES"
        )
    action, resource = _SAM_TEMPLATES[name]
    values = {"partition": "aws", "region": ctx.region, "account": ctx.account_id, **args}
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource.format(**values)}],
    }


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
            elif isinstance(policy, dict) and len(policy) == 1:
                name, args = next(iter(policy.items()))
                props["Policies"].append(
                    {
                        "PolicyName": f"{role_id}Policy{index}",
                        "PolicyDocument": sam_policy_template(ctx, name, args or {}),
                    }
                )
            else:  # a managed policy name or ARN
                props.setdefault("ManagedPolicyArns", []).append(policy)
    created = _iam_role(ctx, role_id, props)
    ctx.implicit[role_id] = created
    return str(created.attributes["Arn"])
