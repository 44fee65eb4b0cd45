"""template.yaml's network rules as deployed: IPv6 client CIDRs reach the NLB security
group as IPv6 rules, and in service network endpoint mode the proxy tasks may send HTTP as
well as TLS to the endpoint's interfaces in the VPC."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from embedded_aws.serve import LocalStack

from .test_template import incomplete_reason

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
# 60 client CIDRs, both families: 30 of each fill the default MaxEntries (30) of both lists.
CLIENTS = [f"198.18.{i}.0/24" for i in range(30)] + [f"2001:db8:{i:x}::/48" for i in range(1, 31)]
VPC_CIDR = "10.20.0.0/16"


@pytest.fixture(scope="module")
def endpoint_stack(embedded: Any) -> Any:
    reason = incomplete_reason()
    if reason:
        pytest.skip(reason)
    stack = LocalStack(
        embedded=embedded,
        template=TEMPLATE,
        params={
            "AllowedClientCidrs": ",".join(CLIENTS),
            "ServiceNetworkEndpointId": "vpce-0123456789abcdef0",
            "VpcCidr": VPC_CIDR,
        },
    )
    stack.start()
    yield stack
    stack.stop()


def group(stack: Any, logical_id: str) -> dict[str, Any]:
    """This stack's group (other stacks of the session have groups of the same kind)."""
    group_id = stack.deployment.resources[logical_id].physical_id
    ec2 = stack.embedded.client("ec2")
    [found] = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    return found


def prefix_list_cidrs(stack: Any, prefix_list_id: str) -> list[str]:
    pages = (
        stack.embedded.client("ec2")
        .get_paginator("get_managed_prefix_list_entries")
        .paginate(PrefixListId=prefix_list_id)
    )
    return [e["Cidr"] for page in pages for e in page["Entries"]]


def test_given_60_client_cidrs_of_both_families_when_deployed_then_nlb_group_admits_them_all(
    endpoint_stack: Any,
) -> None:
    """Through one prefix list per family (no CIDR rule at all), on both listener ports."""
    ec2 = endpoint_stack.embedded.client("ec2")
    rules = group(endpoint_stack, "NlbClientsSecurityGroup")["IpPermissions"]
    assert not [r for r in rules if r.get("IpRanges") or r.get("Ipv6Ranges")]
    referenced = {(r["FromPort"], p["PrefixListId"]) for r in rules for p in r["PrefixListIds"]}
    lists = ec2.describe_managed_prefix_lists(PrefixListIds=sorted({p for _, p in referenced}))
    family = {pl["PrefixListId"]: pl["AddressFamily"] for pl in lists["PrefixLists"]}

    admitted = {
        (port, cidr) for port, pl in referenced for cidr in prefix_list_cidrs(endpoint_stack, pl)
    }

    assert sorted(family.values()) == ["IPv4", "IPv6"]
    assert admitted == {(port, cidr) for port in (80, 443) for cidr in CLIENTS}


def test_given_60_client_cidrs_when_deployed_then_nginx_allow_list_is_the_same_list(
    endpoint_stack: Any,
) -> None:
    """The config the stack published (ConfigBootstrap, before any task starts) allows
    exactly the CIDRs the prefix lists hold: both come from AllowedClientCidrs."""
    outputs = endpoint_stack.outputs
    config = (
        endpoint_stack.embedded.client("s3")
        .get_object(Bucket=outputs["ConfigBucketName"], Key=outputs["ConfigObjectKey"])["Body"]
        .read()
        .decode()
    )
    allowed = re.findall(r"^\s*allow (\S+);$", config, flags=re.MULTILINE)
    in_geo = re.findall(r"^\s*(\S+) 1;$", config, flags=re.MULTILINE)

    assert sorted(set(allowed)) == sorted(CLIENTS)  # the TLS and HTTP allow-lists
    assert sorted(set(in_geo) - {"default"}) == sorted(CLIENTS)  # $lattice_client_allowed


def test_given_endpoint_mode_when_deployed_then_tasks_may_send_http_and_tls_into_the_vpc(
    endpoint_stack: Any,
) -> None:
    outputs = endpoint_stack.outputs
    rules = group(endpoint_stack, "ProxyTaskSecurityGroup")["IpPermissionsEgress"]

    to_vpc = {
        r["FromPort"] for r in rules for x in r.get("IpRanges", []) if x["CidrIp"] == VPC_CIDR
    }
    ports = {int(outputs["ConfiguredHttpPort"]), int(outputs["ConfiguredTlsPorts"])}
    assert ports <= to_vpc


@pytest.fixture(scope="module")
def dualstack_stack(embedded: Any) -> Any:
    reason = incomplete_reason()
    if reason:
        pytest.skip(reason)
    stack = LocalStack(
        embedded=embedded,
        template=TEMPLATE,
        params={
            "AllowedClientCidrs": "203.0.113.0/24,2001:db8:1::/48",
            "NlbIpAddressType": "dualstack",
            # The stack's own VPC: its Amazon-provided IPv6 block must reach every subnet.
            "ExistingVpcId": "",
            "VpcCidr": "10.30.0.0/16",
        },
    )
    stack.start()
    yield stack
    stack.stop()


def test_given_dualstack_when_deployed_then_both_nlbs_are_dualstack_on_ipv6_subnets(
    dualstack_stack: Any,
) -> None:
    """The emulator refuses a dualstack NLB on a subnet without an IPv6 block (as AWS does):
    the created VPC's Amazon-provided block reaches every subnet."""
    elbv2 = dualstack_stack.embedded.client("elbv2")
    ec2 = dualstack_stack.embedded.client("ec2")
    vpc_id = dualstack_stack.outputs["IngressVpcId"]
    balancers = [
        b for b in elbv2.describe_load_balancers()["LoadBalancers"] if b["VpcId"] == vpc_id
    ]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]

    assert sorted(b["Scheme"] for b in balancers) == ["internal", "internet-facing"]
    assert {b["IpAddressType"] for b in balancers} == {"dualstack"}
    assert all(s.get("Ipv6CidrBlockAssociationSet") for s in subnets)


def test_given_dualstack_when_deployed_then_listeners_forward_to_ipv4_target_groups(
    dualstack_stack: Any,
) -> None:
    """IPv4 targets behind a dualstack NLB, as AWS allows (the IPv6 client address reaches
    NGINX in the PROXY header); every listener's group is an ipv4 group of the tasks."""
    elbv2 = dualstack_stack.embedded.client("elbv2")
    vpc_id = dualstack_stack.outputs["IngressVpcId"]
    balancers = [
        b["LoadBalancerArn"]
        for b in elbv2.describe_load_balancers()["LoadBalancers"]
        if b["VpcId"] == vpc_id
    ]
    forwarded = [
        action["TargetGroupArn"]
        for arn in balancers
        for listener in elbv2.describe_listeners(LoadBalancerArn=arn)["Listeners"]
        for action in listener["DefaultActions"]
    ]
    groups = elbv2.describe_target_groups(TargetGroupArns=forwarded)["TargetGroups"]

    assert len(forwarded) == 4  # TLS and HTTP on each NLB
    assert {g["IpAddressType"] for g in groups} == {"ipv4"}
