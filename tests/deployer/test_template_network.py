"""template.yaml's network rules as deployed: IPv6 client CIDRs reach the NLB security
group as IPv6 rules, and in service network endpoint mode the proxy tasks may send HTTP as
well as TLS to the endpoint's interfaces in the VPC."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from embedded_aws.serve import LocalStack

from .test_template import incomplete_reason

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
CLIENTS = ["203.0.113.0/24", "2001:db8:1::/48"]
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


def group(stack: Any, description_start: str) -> dict[str, Any]:
    groups = stack.embedded.client("ec2").describe_security_groups()["SecurityGroups"]
    return next(g for g in groups if g["Description"].startswith(description_start))


def test_given_ipv6_client_cidr_when_deployed_then_nlb_group_admits_it_as_ipv6(
    endpoint_stack: Any,
) -> None:
    rules = group(endpoint_stack, "lattice-ingress NLBs")["IpPermissions"]

    ipv4 = {(r["FromPort"], x["CidrIp"]) for r in rules for x in r.get("IpRanges", [])}
    ipv6 = {(r["FromPort"], x["CidrIpv6"]) for r in rules for x in r.get("Ipv6Ranges", [])}
    assert ipv4 == {(443, CLIENTS[0]), (80, CLIENTS[0])}
    assert ipv6 == {(443, CLIENTS[1]), (80, CLIENTS[1])}


def test_given_endpoint_mode_when_deployed_then_tasks_may_send_http_and_tls_into_the_vpc(
    endpoint_stack: Any,
) -> None:
    outputs = endpoint_stack.outputs
    rules = group(endpoint_stack, "lattice-ingress proxy tasks")["IpPermissionsEgress"]

    to_vpc = {
        r["FromPort"] for r in rules for x in r.get("IpRanges", []) if x["CidrIp"] == VPC_CIDR
    }
    ports = {int(outputs["ConfiguredHttpPort"]), int(outputs["ConfiguredTlsPorts"])}
    assert ports <= to_vpc
