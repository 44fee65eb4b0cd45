"""The data-plane half of template.yaml: what sam deploy would build (static checks)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from embedded_aws.intrinsics import load_template

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "nginx" / "entrypoint.sh"


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return dict(load_template(ROOT / "template.yaml")["Resources"])


@pytest.fixture(scope="module")
def parameters() -> dict[str, Any]:
    return dict(load_template(ROOT / "template.yaml")["Parameters"])


def containers(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    definitions = resources["ProxyTaskDefinition"]["Properties"]["ContainerDefinitions"]
    return {c["Name"]: c for c in definitions}


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for p in role["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_given_the_task_definition_then_it_embeds_nginx_entrypoint_sh_verbatim(
    resources: dict[str, Any],
) -> None:
    environment = containers(resources)["config-fetcher"]["Environment"]
    [embedded] = [e["Value"] for e in environment if e["Name"] == "LATTICE_INGRESS_ENTRYPOINT"]

    # If this fails: re-embed nginx/entrypoint.sh into the config-fetcher's environment.
    assert embedded == ENTRYPOINT.read_text()


def test_given_the_entrypoint_then_it_is_valid_posix_sh() -> None:
    shells = [s for s in ("dash", "sh", "bash") if shutil.which(s)]

    for shell in shells:
        subprocess.run([shell, "-n", str(ENTRYPOINT)], check=True)
    assert shells


def test_given_the_containers_then_nginx_starts_only_after_the_first_download(
    resources: dict[str, Any],
) -> None:
    nginx = containers(resources)["nginx"]
    fetcher = containers(resources)["config-fetcher"]

    assert nginx["Essential"] is True and fetcher["Essential"] is False
    assert nginx["DependsOn"] == [
        {
            "ContainerName": "config-fetcher",
            "Condition": "HEALTHY",
        }
    ]
    assert nginx["EntryPoint"] == ["/bin/sh", "/shared/entrypoint.sh"]
    assert "entrypoint.sh fetch" in fetcher["Command"][0]
    # No image build: both images come from ECR Public through the pull-through cache.
    assert "PullThroughCachePrefix" in str(fetcher["Image"])
    assert "nginx/nginx" in str(nginx["Image"])


def test_given_the_target_groups_then_they_send_proxy_protocol_v2_to_ip_targets(
    resources: dict[str, Any],
) -> None:
    groups = {k: v for k, v in resources.items() if k.endswith("TargetGroup")}

    assert set(groups) == {
        "ExternalTlsTargetGroup", "ExternalHttpTargetGroup",
        "InternalTlsTargetGroup", "InternalHttpTargetGroup",
    }  # fmt: skip
    for group in groups.values():
        props = group["Properties"]
        attributes = {a["Key"]: a["Value"] for a in props["TargetGroupAttributes"]}
        assert props["TargetType"] == "ip"
        assert props["Protocol"] == "TCP"
        assert attributes["proxy_protocol_v2.enabled"] == "true"
        assert attributes["deregistration_delay.timeout_seconds"] == {
            "Ref": "DeregistrationDelaySeconds"
        }
        assert props["HealthCheckProtocol"] == "TCP"


def test_given_the_service_then_it_scales_3_to_9_on_cpu_and_rolls_back_failed_deployments(
    resources: dict[str, Any], parameters: dict[str, Any]
) -> None:
    service = resources["ProxyService"]["Properties"]
    target = resources["ProxyScalableTarget"]["Properties"]
    policy = resources["ProxyCpuScalingPolicy"]["Properties"]
    tracking = policy["TargetTrackingScalingPolicyConfiguration"]

    assert service["DeploymentConfiguration"]["DeploymentCircuitBreaker"] == {
        "Enable": True,
        "Rollback": True,
    }
    assert service["LaunchType"] == "FARGATE"
    assert service["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"
    assert (parameters["MinTasks"]["Default"], parameters["MaxTasks"]["Default"]) == (3, 9)
    assert target["MinCapacity"] == {"Ref": "MinTasks"}
    assert target["MaxCapacity"] == {"Ref": "MaxTasks"}
    assert tracking["PredefinedMetricSpecification"]["PredefinedMetricType"] == (
        "ECSServiceAverageCPUUtilization"
    )
    assert parameters["TargetCpuUtilization"]["Default"] == 70
    assert (tracking["ScaleInCooldown"], tracking["ScaleOutCooldown"]) == (60, 60)


def test_given_the_task_then_it_is_arm64_fargate_with_2_vcpu_4_gib_by_default(
    resources: dict[str, Any], parameters: dict[str, Any]
) -> None:
    task = resources["ProxyTaskDefinition"]["Properties"]
    cluster = resources["ProxyCluster"]["Properties"]

    assert task["RuntimePlatform"]["CpuArchitecture"] == "ARM64"
    assert task["RequiresCompatibilities"] == ["FARGATE"]
    assert (parameters["TaskCpu"]["Default"], parameters["TaskMemory"]["Default"]) == (2048, 4096)
    assert {"Name": "containerInsights", "Value": "enabled"} in cluster["ClusterSettings"]
    assert resources["ProxyLogGroup"]["Properties"]["RetentionInDays"] == {
        "Ref": "ProxyLogRetentionDays"
    }


def test_given_the_task_role_then_it_reads_the_config_object_and_writes_only_fleet_reports(
    resources: dict[str, Any],
) -> None:
    read, report = statements(resources["ProxyTaskRole"])

    assert read["Effect"] == "Allow" and report["Effect"] == "Allow"
    assert sorted(read["Action"]) == ["s3:GetObject", "s3:GetObjectVersion"]
    assert read["Resource"] == {"Fn::Sub": "${ConfigBucket.Arn}/${ConfigObjectKey}"}
    assert report["Action"] == "s3:PutObject"
    assert report["Resource"] == {"Fn::Sub": "${ConfigBucket.Arn}/fleet/*"}


def test_given_the_data_plane_roles_then_no_action_is_a_wildcard_and_resource_star_is_forced_only(
    resources: dict[str, Any],
) -> None:
    for role in ("ProxyTaskRole", "ProxyTaskExecutionRole"):
        for statement in statements(resources[role]):
            actions = as_list(statement["Action"])
            assert not [a for a in actions if "*" in a], (role, actions)
            if statement["Resource"] == "*":
                # AWS has no resource-level permission for the registry token.
                assert actions == ["ecr:GetAuthorizationToken"]


def test_given_no_nat_then_the_created_vpc_reaches_ecr_logs_and_s3_through_endpoints(
    resources: dict[str, Any],
) -> None:
    endpoints = {
        r["Properties"]["ServiceName"]["Fn::Sub"].rsplit(".", 1)[-1]
        if "Fn::Sub" in r["Properties"]["ServiceName"]
        else r["Properties"]["ServiceName"]
        for r in resources.values()
        if r["Type"] == "AWS::EC2::VPCEndpoint"
    }

    assert {"api", "dkr", "logs", "s3"} <= endpoints
    assert not [r for r in resources.values() if r["Type"] == "AWS::EC2::NatGateway"]
