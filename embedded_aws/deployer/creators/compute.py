"""Compute: ECS clusters, task definitions and services, and Application Auto Scaling
targets and policies."""

from __future__ import annotations

from typing import Any

from embedded_aws.deployer.context import Created, DeployContext, creator
from embedded_aws.deployer.helpers import camel_case, pick, tag_list


# -- ECS and scaling -------------------------------------------------------------------
@creator("AWS::ECS::Cluster")
def _cluster(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    name = props.get("ClusterName") or ctx.name(logical_id, 255)
    request: dict[str, Any] = {"clusterName": name}
    if props.get("ClusterSettings"):
        request["settings"] = camel_case(props["ClusterSettings"])
    if props.get("Tags"):
        request["tags"] = tag_list(props, "key", "value")
    arn = ctx.client("ecs").create_cluster(**request)["cluster"]["clusterArn"]
    return Created("AWS::ECS::Cluster", name, {"Arn": arn})


@creator("AWS::ECS::TaskDefinition")
def _task_definition(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    request = camel_case(
        pick(
            props,
            "ContainerDefinitions",
            "Cpu",
            "Memory",
            "NetworkMode",
            "RequiresCompatibilities",
            "ExecutionRoleArn",
            "TaskRoleArn",
            "RuntimePlatform",
            "Volumes",
        )
    )
    request["family"] = props.get("Family") or ctx.name(logical_id, 255)
    for key in ("cpu", "memory"):
        if key in request:
            request[key] = str(request[key])
    if props.get("Tags"):
        request["tags"] = tag_list(props, "key", "value")
    arn = ctx.client("ecs").register_task_definition(**request)["taskDefinition"][
        "taskDefinitionArn"
    ]
    return Created("AWS::ECS::TaskDefinition", arn, {"TaskDefinitionArn": arn})


@creator("AWS::ECS::Service")
def _service(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    request = camel_case(
        pick(
            props,
            "Cluster",
            "TaskDefinition",
            "LaunchType",
            "NetworkConfiguration",
            "LoadBalancers",
            "DeploymentConfiguration",
            "PlatformVersion",
            "PropagateTags",
            "EnableExecuteCommand",
            "HealthCheckGracePeriodSeconds",
            "CapacityProviderStrategy",
        )
    )
    name = props.get("ServiceName") or ctx.name(logical_id, 255)
    request["serviceName"] = name
    request["desiredCount"] = int(props.get("DesiredCount", 1))
    if props.get("Tags"):
        request["tags"] = tag_list(props, "key", "value")
    arn = ctx.client("ecs").create_service(**request)["service"]["serviceArn"]
    return Created("AWS::ECS::Service", arn, {"Name": name, "ServiceArn": arn})


@creator("AWS::ApplicationAutoScaling::ScalableTarget")
def _scalable_target(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    request = {
        **pick(props, "ServiceNamespace", "ResourceId", "ScalableDimension"),
        "MinCapacity": int(props["MinCapacity"]),
        "MaxCapacity": int(props["MaxCapacity"]),
        **({"RoleARN": props["RoleARN"]} if "RoleARN" in props else {}),
    }
    ctx.client("application-autoscaling").register_scalable_target(**request)
    # CloudFormation's Ref is "resource|dimension|namespace"; scaling policies parse it back.
    physical = "|".join(
        (props["ResourceId"], props["ScalableDimension"], props["ServiceNamespace"])
    )
    return Created("AWS::ApplicationAutoScaling::ScalableTarget", physical)


@creator("AWS::ApplicationAutoScaling::ScalingPolicy")
def _scaling_policy(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    if "ScalingTargetId" in props:
        resource_id, dimension, namespace = str(props["ScalingTargetId"]).split("|")
    else:
        resource_id = props["ResourceId"]
        dimension = props["ScalableDimension"]
        namespace = props["ServiceNamespace"]
    request = {
        "PolicyName": props["PolicyName"],
        "ServiceNamespace": namespace,
        "ResourceId": resource_id,
        "ScalableDimension": dimension,
        "PolicyType": props.get("PolicyType", "TargetTrackingScaling"),
        **pick(
            props,
            "TargetTrackingScalingPolicyConfiguration",
            "StepScalingPolicyConfiguration",
        ),
    }
    arn = ctx.client("application-autoscaling").put_scaling_policy(**request)["PolicyARN"]
    return Created("AWS::ApplicationAutoScaling::ScalingPolicy", arn, {"Arn": arn})
