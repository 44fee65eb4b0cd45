"""Network Load Balancer IP address types, strict as AWS (compat/elbv2.py): the refusals
here pass silently on moto's own ELBv2; the acceptances guard what AWS allows."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .support import unique


@pytest.fixture
def ec2(embedded: Any) -> Any:
    return embedded.client("ec2")


@pytest.fixture
def elbv2(embedded: Any) -> Any:
    return embedded.client("elbv2")


def network(ec2: Any, ipv6: bool) -> tuple[str, list[str]]:
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16", AmazonProvidedIpv6CidrBlock=ipv6)["Vpc"]
    block = ""
    if ipv6:
        described = ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"][0]
        block = described["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    subnets = []
    for i, zone in enumerate(("us-east-1a", "us-east-1b")):
        request = {"VpcId": vpc["VpcId"], "CidrBlock": f"10.1.{i}.0/24", "AvailabilityZone": zone}
        if ipv6:
            request["Ipv6CidrBlock"] = block.replace("::/56", f"{i:02x}::/64")
        subnets.append(ec2.create_subnet(**request)["Subnet"]["SubnetId"])
    return vpc["VpcId"], subnets


def nlb(elbv2: Any, subnets: list[str], ip_type: str) -> str:
    return str(
        elbv2.create_load_balancer(
            Name=unique("nlb")[:32], Type="network", Subnets=subnets, IpAddressType=ip_type
        )["LoadBalancers"][0]["LoadBalancerArn"]
    )


def target_group(elbv2: Any, vpc_id: str, ip_type: str) -> str:
    return str(
        elbv2.create_target_group(
            Name=unique("tg")[:32],
            Protocol="TCP",
            Port=443,
            VpcId=vpc_id,
            TargetType="ip",
            IpAddressType=ip_type,
        )["TargetGroups"][0]["TargetGroupArn"]
    )


def listen(elbv2: Any, balancer: str, group: str) -> Any:
    return elbv2.create_listener(
        LoadBalancerArn=balancer,
        Protocol="TCP",
        Port=443,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group}],
    )


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_given_ipv4_only_subnets_when_a_dualstack_nlb_is_created_then_refused(
    ec2: Any, elbv2: Any
) -> None:
    _, subnets = network(ec2, ipv6=False)

    with pytest.raises(ClientError) as exc:
        nlb(elbv2, subnets, "dualstack")

    assert code(exc) == "InvalidConfigurationRequest"


def test_given_an_ipv4_nlb_when_it_forwards_to_an_ipv6_target_group_then_refused(
    ec2: Any, elbv2: Any
) -> None:
    vpc_id, subnets = network(ec2, ipv6=True)
    balancer, group = nlb(elbv2, subnets, "ipv4"), target_group(elbv2, vpc_id, "ipv6")

    with pytest.raises(ClientError) as exc:
        listen(elbv2, balancer, group)

    assert code(exc) == "ValidationError"


def test_given_an_ipv6_target_group_when_an_ipv4_target_registers_then_refused(
    ec2: Any, elbv2: Any
) -> None:
    vpc_id, _ = network(ec2, ipv6=True)
    group = target_group(elbv2, vpc_id, "ipv6")

    with pytest.raises(ClientError) as exc:
        elbv2.register_targets(TargetGroupArn=group, Targets=[{"Id": "10.1.0.10"}])

    assert code(exc) == "ValidationError"


@pytest.mark.parametrize("group_type", ["ipv4", "ipv6"])
def test_given_a_dualstack_nlb_on_ipv6_subnets_then_it_forwards_to_either_family(
    ec2: Any, elbv2: Any, group_type: str
) -> None:
    """As AWS allows: IPv4 target groups (our template) and IPv6 ones behind dualstack."""
    vpc_id, subnets = network(ec2, ipv6=True)
    balancer, group = nlb(elbv2, subnets, "dualstack"), target_group(elbv2, vpc_id, group_type)

    listen(elbv2, balancer, group)

    described = elbv2.describe_load_balancers(LoadBalancerArns=[balancer])["LoadBalancers"][0]
    assert described["IpAddressType"] == "dualstack"
