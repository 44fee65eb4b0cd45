"""Compute: ECS clusters, task definitions and services, and Application Auto Scaling
targets and policies."""

from __future__ import annotations

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
from embedded_aws.deployer.helpers import camel_case, pick, tag_list
from embedded_aws.deployer.tasks import TaskFailed, TaskNotEmulated, check_steady_state


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
    created = Created("AWS::ECS::Service", arn, {"Name": name, "ServiceArn": arn})
    try:
        _await_steady_state(ctx, logical_id, str(request["taskDefinition"]))
    except DeployError:
        _delete_service(ctx, logical_id, created)  # the failed resource is cleaned up too
        raise
    return created


def _await_steady_state(ctx: DeployContext, logical_id: str, task_definition: str) -> None:
    """CloudFormation waits for the service to be stable: its tasks start and stay up."""
    try:
        check_steady_state(
            ctx.client("ecs"),
            task_definition,
            endpoint=ctx.embedded.endpoint,
            region=ctx.region,
            label=logical_id,
        )
    except TaskNotEmulated as exc:
        logger.warning("%s: steady state not checked (not emulated): %s", logical_id, exc)
        return
    except TaskFailed as exc:
        raise DeployError(
            f"{logical_id} (AWS::ECS::Service): service did not stabilize "
            f"(deployment circuit breaker): {exc}"
        ) from exc
    logger.info(
        "%s: a task of %s started and stayed up (steady state)", logical_id, task_definition
    )


@updater("AWS::ECS::Service")
def _update_service(
    ctx: DeployContext, logical_id: str, old: Created, props: dict[str, Any]
) -> Created:
    """In place, as UpdateService: a new task definition or count is a new deployment,
    which must reach steady state too. Cluster, launch type and load balancers of an
    existing service cannot change in place: those are replacements."""
    for key in ("Cluster", "LaunchType", "ServiceName", "LoadBalancers"):
        if props.get(key) != old.properties.get(key):
            raise NotImplementedError(f"replacement: {key} changed")
    request: dict[str, Any] = camel_case(
        pick(props, "TaskDefinition", "NetworkConfiguration", "DeploymentConfiguration")
    )
    request["desiredCount"] = int(props.get("DesiredCount", 1))
    ctx.client("ecs").update_service(
        cluster=props["Cluster"], service=old.attributes["Name"], **request
    )
    _await_steady_state(ctx, logical_id, str(props["TaskDefinition"]))
    return Created("AWS::ECS::Service", old.physical_id, dict(old.attributes))


@deleter("AWS::ECS::Service")
def _delete_service(ctx: DeployContext, logical_id: str, created: Created) -> None:
    cluster = created.physical_id.split("/")[-2] if created.physical_id.count("/") >= 2 else None
    ecs = ctx.client("ecs")
    service = str(created.attributes["Name"])
    kwargs = {"cluster": cluster} if cluster else {}
    ecs.update_service(service=service, desiredCount=0, **kwargs)
    ecs.delete_service(service=service, force=True, **kwargs)


@deleter("AWS::ECS::TaskDefinition")
def _delete_task_definition(ctx: DeployContext, logical_id: str, created: Created) -> None:
    ctx.client("ecs").deregister_task_definition(taskDefinition=created.physical_id)


@deleter("AWS::ECS::Cluster")
def _delete_cluster(ctx: DeployContext, logical_id: str, created: Created) -> None:
    ctx.client("ecs").delete_cluster(cluster=created.physical_id)


@deleter("AWS::ApplicationAutoScaling::ScalableTarget")
def _delete_scalable_target(ctx: DeployContext, logical_id: str, created: Created) -> None:
    resource_id, dimension, namespace = created.physical_id.split("|")
    ctx.client("application-autoscaling").deregister_scalable_target(
        ServiceNamespace=namespace, ResourceId=resource_id, ScalableDimension=dimension
    )


@deleter("AWS::ApplicationAutoScaling::ScalingPolicy")
def _delete_scaling_policy(ctx: DeployContext, logical_id: str, created: Created) -> None:
    props = created.properties
    if "ScalingTargetId" in props:
        resource_id, dimension, namespace = str(props["ScalingTargetId"]).split("|")
    else:
        resource_id = props["ResourceId"]
        dimension = props["ScalableDimension"]
        namespace = props["ServiceNamespace"]
    try:
        ctx.client("application-autoscaling").delete_scaling_policy(
            PolicyName=props["PolicyName"],
            ServiceNamespace=namespace,
            ResourceId=resource_id,
            ScalableDimension=dimension,
        )
    except ClientError as exc:  # deregistering the target removed its policies already
        if exc.response.get("Error", {}).get("Code") != "ObjectNotFoundException":
            raise


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
