"""IAM and ECS strictness that the fleet feedback relies on, each failing against the lenient
emulator: ListTasks scoped by the ecs:cluster condition key, DescribeTasks by task ARN,
ListTasks of a service listing only that service's running tasks (moto ignores
serviceName), and a delete marker read as a missing key (403 without s3:ListBucket)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .test_enforcement import _as_role, _role  # the helpers of the other refusals


@pytest.fixture(scope="module")
def clusters(embedded: Any) -> dict[str, str]:
    """Two Fargate clusters, each with a service running one task, plus a stopped task."""
    ecs = embedded.client("ecs")
    ec2 = embedded.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.90.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.90.1.0/24")["Subnet"]["SubnetId"]
    network = {"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": []}}
    arns: dict[str, str] = {}
    for label in ("mine", "other"):
        name = f"fleet-{label}-{uuid.uuid4().hex[:6]}"
        arns[label] = ecs.create_cluster(clusterName=name)["cluster"]["clusterArn"]
        ecs.register_task_definition(
            family=name,
            requiresCompatibilities=["FARGATE"],
            networkMode="awsvpc",
            cpu="256",
            memory="512",
            containerDefinitions=[{"name": "nginx", "image": "nginx"}],  # no container memory
        )
        ecs.create_service(cluster=name, serviceName="proxy", taskDefinition=name, desiredCount=1)
        for group in ("service:proxy", "service:proxy", "family:adhoc"):
            ecs.run_task(
                cluster=name,
                taskDefinition=name,
                launchType="FARGATE",
                group=group,
                networkConfiguration=network,
            )
        stopped = ecs.list_tasks(cluster=name)["taskArns"][0]
        ecs.stop_task(cluster=name, task=stopped, reason="test")
        arns[f"{label}-stopped"] = stopped
    return arns


def test_given_list_tasks_of_a_service_then_only_its_running_tasks_are_listed(
    embedded: Any, clusters: dict[str, str]
) -> None:
    ecs = embedded.client("ecs")

    listed = ecs.list_tasks(cluster=clusters["mine"], serviceName="proxy")["taskArns"]
    everything = ecs.list_tasks(cluster=clusters["mine"])["taskArns"]
    described = ecs.describe_tasks(cluster=clusters["mine"], tasks=listed)["tasks"]

    assert len(listed) == 1  # two started by the service, one of them stopped
    assert clusters["mine-stopped"] not in listed + everything  # RUNNING by default
    assert len(everything) == 2  # the service's running task and the ad-hoc one
    assert [t["group"] for t in described] == ["service:proxy"]


def test_given_list_tasks_scoped_to_a_cluster_then_another_cluster_is_refused(
    embedded: Any, clusters: dict[str, str]
) -> None:
    role = _role(
        embedded,
        {
            "Effect": "Allow",
            "Action": "ecs:ListTasks",
            "Resource": "*",
            "Condition": {"ArnEquals": {"ecs:cluster": clusters["mine"]}},
        },
        {
            "Effect": "Allow",
            "Action": "ecs:DescribeTasks",
            "Resource": clusters["mine"].replace(":cluster/", ":task/") + "/*",
        },
    )
    ecs = _as_role(embedded, role, "ecs")

    mine = ecs.list_tasks(cluster=clusters["mine"].rsplit("/", 1)[-1])["taskArns"]
    ecs.describe_tasks(cluster=clusters["mine"], tasks=mine)
    with pytest.raises(ClientError) as listing:
        ecs.list_tasks(cluster=clusters["other"])
    other = embedded.client("ecs").list_tasks(cluster=clusters["other"])["taskArns"]
    with pytest.raises(ClientError) as describing:
        ecs.describe_tasks(cluster=clusters["other"], tasks=other)

    assert mine
    assert listing.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "ecs:ListTasks" in listing.value.response["Error"]["Message"]
    assert describing.value.response["Error"]["Code"] == "AccessDeniedException"
    assert ":task/" in describing.value.response["Error"]["Message"]


@pytest.mark.parametrize(("may_list", "code"), [(True, "NoSuchKey"), (False, "AccessDenied")])
def test_given_a_delete_marker_when_read_then_it_is_a_missing_key(
    embedded: Any, may_list: bool, code: str
) -> None:
    s3 = embedded.client("s3")
    bucket = f"fleet-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="fleet/t.json", Body=b"{}")
    s3.delete_object(Bucket=bucket, Key="fleet/t.json")
    grants: list[dict[str, Any]] = [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/fleet/*"}
    ]
    if may_list:
        grants.append(
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"}
        )
    reader = _as_role(embedded, _role(embedded, *grants), "s3")

    with pytest.raises(ClientError) as read:
        reader.get_object(Bucket=bucket, Key="fleet/t.json")

    assert read.value.response["Error"]["Code"] == code
