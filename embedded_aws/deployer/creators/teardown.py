"""Deleters and in-place updaters for the types our template uses (ECS and custom resources
keep theirs beside their creators). What AWS refuses, the emulator refuses here too: a
bucket that still holds objects or object versions cannot be deleted (BucketNotEmpty)."""

from __future__ import annotations

import contextlib
from typing import Any

from botocore.exceptions import ClientError

from embedded_aws.deployer.context import Created, DeployContext, deleter, updater
from embedded_aws.deployer.creators.network import ip_permission
from embedded_aws.deployer.helpers import json_text


def _ignore_missing(exc: ClientError, *codes: str) -> None:
    code = exc.response.get("Error", {}).get("Code", "")
    if code not in {"NoSuchEntity", "ResourceNotFoundException", "NotFound", *codes}:
        raise exc


# -- Lambda, Step Functions, EventBridge -------------------------------------------------
@deleter("AWS::Serverless::Function")
def _delete_function(ctx: DeployContext, logical_id: str, created: Created) -> None:
    with contextlib.suppress(ctx.client("lambda").exceptions.ResourceNotFoundException):
        ctx.client("lambda").delete_function(FunctionName=created.physical_id)
    _delete_implicit(ctx, created)


@updater("AWS::Serverless::Function")
def _update_function(
    ctx: DeployContext, logical_id: str, old: Created, props: dict[str, Any]
) -> Created:
    """UpdateFunctionConfiguration (environment, timeout, memory, layers) and the generated
    role's inline policies; a changed CodeUri, handler or runtime replaces nothing here
    either (the code is read from the working tree at each invocation)."""
    for key in ("FunctionName", "Role", "Events", "Architectures"):
        if props.get(key) != old.properties.get(key):
            raise NotImplementedError(f"replacement: {key} changed")
    variables = (props.get("Environment") or {}).get("Variables") or {}
    ctx.client("lambda").update_function_configuration(
        FunctionName=old.physical_id,
        Environment={
            "Variables": {
                k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in variables.items()
            }
        },
        Timeout=int(props.get("Timeout", 3)),
        MemorySize=int(props.get("MemorySize", 128)),
        Layers=[str(arn) for arn in props.get("Layers") or []],
    )
    role = old.implicit.get(f"{logical_id}Role")
    if role is not None and props.get("Policies") != old.properties.get("Policies"):
        _replace_inline_policies(ctx, role.physical_id, f"{logical_id}Role", props.get("Policies"))
    return Created(
        old.resource_type, old.physical_id, dict(old.attributes), implicit=dict(old.implicit)
    )


def _replace_inline_policies(
    ctx: DeployContext, role_name: str, prefix: str, policies: Any
) -> None:
    iam = ctx.client("iam")
    for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=role_name, PolicyName=name)
    for index, policy in enumerate(policies if isinstance(policies, list) else [policies]):
        if isinstance(policy, dict) and "Statement" in policy:
            iam.put_role_policy(
                RoleName=role_name,
                PolicyName=f"{prefix}Policy{index}",
                PolicyDocument=json_text(policy),
            )


@deleter("AWS::Serverless::LayerVersion")
def _delete_layer(ctx: DeployContext, logical_id: str, created: Created) -> None:
    name, version = created.physical_id.rsplit(":", 1)
    ctx.client("lambda").delete_layer_version(LayerName=name, VersionNumber=int(version))


@deleter("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine")
def _delete_state_machine(ctx: DeployContext, logical_id: str, created: Created) -> None:
    ctx.client("stepfunctions").delete_state_machine(stateMachineArn=created.physical_id)
    _delete_implicit(ctx, created)


@deleter("AWS::Events::Rule")
def _delete_rule(ctx: DeployContext, logical_id: str, created: Created) -> None:
    _delete_rule_named(ctx, created.physical_id, created.properties.get("EventBusName"))


def _delete_rule_named(ctx: DeployContext, name: str, bus: Any) -> None:
    events = ctx.client("events")
    bus_name = str(bus or "default")
    try:
        targets = events.list_targets_by_rule(Rule=name, EventBusName=bus_name)["Targets"]
        if targets:
            events.remove_targets(Rule=name, EventBusName=bus_name, Ids=[t["Id"] for t in targets])
        events.delete_rule(Name=name, EventBusName=bus_name)
    except ClientError as exc:
        _ignore_missing(exc)
    ctx.rules[:] = [rule for rule in ctx.rules if rule[0] != name]
    ctx.scheduled_rules[:] = [rule for rule in ctx.scheduled_rules if rule[0] != name]


def _delete_implicit(ctx: DeployContext, created: Created) -> None:
    """What SAM generated with this resource: its role and its event rules."""
    for key, item in created.implicit.items():
        if item.resource_type == "AWS::IAM::Role":
            _delete_role(ctx, key, item)
        elif item.resource_type == "AWS::Events::Rule":
            _delete_rule_named(ctx, item.physical_id, None)
        if ctx.implicit.get(key) is item:  # a replacement may have taken the key since
            del ctx.implicit[key]


# -- IAM -----------------------------------------------------------------------------------
@deleter("AWS::IAM::Role")
def _delete_role(ctx: DeployContext, logical_id: str, created: Created) -> None:
    """CloudFormation removes the role's inline and attached policies with it."""
    iam = ctx.client("iam")
    name = created.physical_id
    try:
        for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            iam.delete_role_policy(RoleName=name, PolicyName=policy)
        for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
        iam.delete_role(RoleName=name)
    except ClientError as exc:
        _ignore_missing(exc)


@deleter("AWS::IAM::Policy", "AWS::IAM::RolePolicy")
def _delete_policy(ctx: DeployContext, logical_id: str, created: Created) -> None:
    props = created.properties
    roles = props.get("Roles") or ([props["RoleName"]] if "RoleName" in props else [])
    for role in roles:
        try:
            ctx.client("iam").delete_role_policy(RoleName=role, PolicyName=props["PolicyName"])
        except ClientError as exc:
            _ignore_missing(exc)


@deleter("AWS::IAM::ManagedPolicy")
def _delete_managed_policy(ctx: DeployContext, logical_id: str, created: Created) -> None:
    iam = ctx.client("iam")
    for role in created.properties.get("Roles") or []:
        with contextlib.suppress(ClientError):
            iam.detach_role_policy(RoleName=role, PolicyArn=created.physical_id)
    iam.delete_policy(PolicyArn=created.physical_id)


# -- storage, messaging, monitoring -------------------------------------------------------
@deleter("AWS::S3::Bucket")
def _delete_bucket(ctx: DeployContext, logical_id: str, created: Created) -> None:
    """No emptying: S3 refuses to delete a bucket with objects or versions in it
    (BucketNotEmpty), and so does CloudFormation; the template must decide."""
    s3 = ctx.client("s3")
    listed = s3.list_object_versions(Bucket=created.physical_id, MaxKeys=1)
    if listed.get("Versions") or listed.get("DeleteMarkers"):
        raise ClientError(
            {
                "Error": {
                    "Code": "BucketNotEmpty",
                    "Message": "The bucket you tried to delete is not empty. You must delete "
                    "all versions in the bucket.",
                },
                "ResponseMetadata": {"HTTPStatusCode": 409},
            },
            "DeleteBucket",
        )
    s3.delete_bucket(Bucket=created.physical_id)


@deleter("AWS::S3::BucketPolicy")
def _delete_bucket_policy(ctx: DeployContext, logical_id: str, created: Created) -> None:
    with contextlib.suppress(ClientError):
        ctx.client("s3").delete_bucket_policy(Bucket=created.properties["Bucket"])


@deleter("AWS::SecretsManager::Secret")
def _delete_secret(ctx: DeployContext, logical_id: str, created: Created) -> None:
    with contextlib.suppress(ctx.client("secretsmanager").exceptions.ResourceNotFoundException):
        ctx.client("secretsmanager").delete_secret(
            SecretId=created.physical_id, ForceDeleteWithoutRecovery=True
        )


@deleter("AWS::DynamoDB::Table")
def _delete_table(ctx: DeployContext, logical_id: str, created: Created) -> None:
    ctx.client("dynamodb").delete_table(TableName=created.physical_id)


@deleter("AWS::SNS::Topic")
def _delete_topic(ctx: DeployContext, logical_id: str, created: Created) -> None:
    ctx.client("sns").delete_topic(TopicArn=created.physical_id)


@deleter("AWS::SNS::Subscription")
def _delete_subscription(ctx: DeployContext, logical_id: str, created: Created) -> None:
    with contextlib.suppress(ClientError):
        ctx.client("sns").unsubscribe(SubscriptionArn=created.physical_id)


@deleter("AWS::SNS::TopicPolicy")
def _delete_topic_policy(ctx: DeployContext, logical_id: str, created: Created) -> None:
    """The policy goes with the topic (deleted after it, in reverse order)."""


@deleter("AWS::SQS::QueuePolicy")
def _delete_queue_policy(ctx: DeployContext, logical_id: str, created: Created) -> None:
    """The policy goes with the queue (deleted after it, in reverse order)."""


@deleter("AWS::SQS::Queue")
def _delete_queue(ctx: DeployContext, logical_id: str, created: Created) -> None:
    ctx.client("sqs").delete_queue(QueueUrl=created.physical_id)


@deleter("AWS::Logs::LogGroup")
def _delete_log_group(ctx: DeployContext, logical_id: str, created: Created) -> None:
    try:
        ctx.client("logs").delete_log_group(logGroupName=created.physical_id)
    except ClientError as exc:
        _ignore_missing(exc)


@updater("AWS::Logs::LogGroup")
def _update_log_group(
    ctx: DeployContext, logical_id: str, old: Created, props: dict[str, Any]
) -> Created:
    if props.get("LogGroupName") != old.properties.get("LogGroupName"):
        raise NotImplementedError("replacement: LogGroupName changed")
    logs = ctx.client("logs")
    if "RetentionInDays" in props:
        logs.put_retention_policy(
            logGroupName=old.physical_id, retentionInDays=int(props["RetentionInDays"])
        )
    else:
        logs.delete_retention_policy(logGroupName=old.physical_id)
    return Created(old.resource_type, old.physical_id, dict(old.attributes))


@deleter("AWS::CloudWatch::Alarm")
def _delete_alarm(ctx: DeployContext, logical_id: str, created: Created) -> None:
    ctx.client("cloudwatch").delete_alarms(AlarmNames=[created.physical_id])


@deleter("AWS::CloudWatch::Dashboard")
def _delete_dashboard(ctx: DeployContext, logical_id: str, created: Created) -> None:
    ctx.client("cloudwatch").delete_dashboards(DashboardNames=[created.physical_id])


# -- network -------------------------------------------------------------------------------
@deleter("AWS::EC2::SecurityGroup")
def _delete_security_group(ctx: DeployContext, logical_id: str, created: Created) -> None:
    ctx.client("ec2").delete_security_group(GroupId=created.physical_id)


@updater("AWS::EC2::SecurityGroup")
def _update_security_group(
    ctx: DeployContext, logical_id: str, old: Created, props: dict[str, Any]
) -> Created:
    """Rules change in place (revoke what went, authorize what came), as CloudFormation
    does; a new name, description or VPC is a replacement."""
    for key in ("GroupName", "GroupDescription", "VpcId"):
        if props.get(key) != old.properties.get(key):
            raise NotImplementedError(f"replacement: {key} changed")
    ec2 = ctx.client("ec2")
    group_id = old.physical_id
    for key, revoke, authorize in (
        (
            "SecurityGroupIngress",
            ec2.revoke_security_group_ingress,
            ec2.authorize_security_group_ingress,
        ),
        (
            "SecurityGroupEgress",
            ec2.revoke_security_group_egress,
            ec2.authorize_security_group_egress,
        ),
    ):
        before = [ip_permission(r) for r in old.properties.get(key) or []]
        after = [ip_permission(r) for r in props.get(key) or []]
        gone = [p for p in before if p not in after]
        new = [p for p in after if p not in before]
        if gone:
            revoke(GroupId=group_id, IpPermissions=gone)
        if new:
            authorize(GroupId=group_id, IpPermissions=new)
    return Created(old.resource_type, old.physical_id, dict(old.attributes))


@deleter("AWS::EC2::PrefixList")
def _delete_prefix_list(ctx: DeployContext, logical_id: str, created: Created) -> None:
    try:
        ctx.client("ec2").delete_managed_prefix_list(PrefixListId=created.physical_id)
    except ClientError as exc:
        _ignore_missing(exc, "InvalidPrefixListID.NotFound")


@deleter("AWS::EC2::SecurityGroupIngress")
def _delete_security_group_ingress(ctx: DeployContext, logical_id: str, created: Created) -> None:
    props = created.properties
    try:
        ctx.client("ec2").revoke_security_group_ingress(
            GroupId=props["GroupId"], IpPermissions=[ip_permission(props)]
        )
    except ClientError as exc:
        _ignore_missing(exc, "InvalidPermission.NotFound", "InvalidGroup.NotFound")


@deleter("AWS::EC2::SecurityGroupEgress")
def _delete_security_group_egress(ctx: DeployContext, logical_id: str, created: Created) -> None:
    props = created.properties
    try:
        ctx.client("ec2").revoke_security_group_egress(
            GroupId=props["GroupId"], IpPermissions=[ip_permission(props)]
        )
    except ClientError as exc:
        _ignore_missing(exc, "InvalidPermission.NotFound", "InvalidGroup.NotFound")


@deleter("AWS::ElasticLoadBalancingV2::LoadBalancer")
def _delete_load_balancer(ctx: DeployContext, logical_id: str, created: Created) -> None:
    ctx.client("elbv2").delete_load_balancer(LoadBalancerArn=created.physical_id)


@deleter("AWS::ElasticLoadBalancingV2::TargetGroup")
def _delete_target_group(ctx: DeployContext, logical_id: str, created: Created) -> None:
    ctx.client("elbv2").delete_target_group(TargetGroupArn=created.physical_id)


@deleter("AWS::ElasticLoadBalancingV2::Listener")
def _delete_listener(ctx: DeployContext, logical_id: str, created: Created) -> None:
    try:
        ctx.client("elbv2").delete_listener(ListenerArn=created.physical_id)
    except ClientError as exc:
        _ignore_missing(exc, "ListenerNotFound")


@deleter("AWS::Events::EventBus")
def _delete_event_bus(ctx: DeployContext, logical_id: str, created: Created) -> None:
    try:
        ctx.client("events").delete_event_bus(Name=created.physical_id)
    except ClientError as exc:
        _ignore_missing(exc)


@deleter("AWS::Events::EventBusPolicy")
def _delete_event_bus_policy(ctx: DeployContext, logical_id: str, created: Created) -> None:
    try:
        ctx.client("events").remove_permission(
            EventBusName=str(created.properties.get("EventBusName") or "default"),
            StatementId=created.physical_id,
        )
    except ClientError as exc:
        _ignore_missing(exc)
