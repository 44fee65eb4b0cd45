"""Lattice and EC2 endpoint adapters against the AWS API shapes."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from lattice_ingress.adapters.lattice import (
    endpoint_targets,
    list_service_associations,
    service_id_from_arn,
    service_tag_values,
)
from lattice_ingress.models.errors import LatticeApiError

from .conftest import Account


def test_given_more_associations_than_one_page_when_listed_then_all_returned(
    account: Account,
) -> None:
    ids = {account.associate(f"s{i}.example.com") for i in range(120)}

    listed = list_service_associations(account.lattice, account.network_id)

    assert {a.service_id for a in listed} == ids
    assert all(a.dns_entry is not None for a in listed)


def test_given_unknown_network_when_listed_then_empty(account: Account) -> None:
    account.associate("a.example.com")

    assert list_service_associations(account.lattice, "sn-00000000000000000") == []


def test_given_api_error_when_listed_then_lattice_api_error() -> None:
    lattice = boto3.client("vpc-lattice", region_name="us-east-1")
    with Stubber(lattice) as stub:
        stub.add_client_error(
            "list_service_network_service_associations",
            "AccessDeniedException",
            http_status_code=403,
        )
        with pytest.raises(LatticeApiError, match="sn-1") as info:
            list_service_associations(lattice, "sn-1")
    assert info.value.__cause__ is not None


def _endpoint_item(service_id: str, dns: str) -> dict[str, object]:
    return {
        "Id": f"vpce-rsc-asc-{service_id[4:]}",
        "VpcEndpointId": "vpce-0123456789abcdef0",
        "AssociatedResourceArn": f"arn:aws:vpc-lattice:us-east-1:123456789012:service/{service_id}",
        "DnsEntry": {"DnsName": dns, "HostedZoneId": "ZENDPOINT"},
    }


def test_given_endpoint_associations_over_two_pages_when_described_then_all_mapped() -> None:
    ec2 = boto3.client("ec2", region_name="us-east-1")
    with Stubber(ec2) as stub:
        stub.add_response(
            "describe_vpc_endpoint_associations",
            {
                "VpcEndpointAssociations": [_endpoint_item("svc-1", "a.vpce.on.aws")],
                "NextToken": "t1",
            },
            {"VpcEndpointIds": ["vpce-0123456789abcdef0"]},
        )
        stub.add_response(
            "describe_vpc_endpoint_associations",
            {"VpcEndpointAssociations": [_endpoint_item("svc-2", "b.vpce.on.aws")]},
            {"VpcEndpointIds": ["vpce-0123456789abcdef0"], "NextToken": "t1"},
        )

        targets = endpoint_targets(ec2, "vpce-0123456789abcdef0")

        stub.assert_no_pending_responses()
    assert {k: v.dns_name for k, v in targets.items()} == {
        "svc-1": "a.vpce.on.aws",
        "svc-2": "b.vpce.on.aws",
    }
    assert targets["svc-1"].hosted_zone_id == "ZENDPOINT"


def test_given_endpoint_error_when_described_then_lattice_api_error() -> None:
    ec2 = boto3.client("ec2", region_name="us-east-1")
    with Stubber(ec2) as stub:
        stub.add_client_error("describe_vpc_endpoint_associations", "InvalidVpcEndpointId.NotFound")
        with pytest.raises(LatticeApiError):
            endpoint_targets(ec2, "vpce-0123456789abcdef0")


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        ("arn:aws:vpc-lattice:us-east-1:123456789012:service/svc-0abc", "svc-0abc"),
        ("arn:aws:vpc-lattice:us-east-1:123456789012:resourceconfiguration/rcfg-1", None),
        ("", None),
    ],
)
def test_given_arn_when_parsed_then_service_id_or_none(arn: str, expected: str | None) -> None:
    assert service_id_from_arn(arn) == expected


def test_given_tagged_services_over_two_pages_when_read_then_one_listing_maps_every_value(
    account: Account,
) -> None:
    ids = [account.associate(f"t{i}.example.com") for i in range(150)]
    arns = {sid: account.lattice.get_service(serviceIdentifier=sid)["arn"] for sid in ids}
    for i, service_id in enumerate(ids):
        tags = {"team": "x"} if i % 3 == 0 else {"lattice-ingress:publish": str(i % 2 == 0)}
        account.lattice.tag_resource(resourceArn=arns[service_id], tags=tags)
    tagging = boto3.client("resourcegroupstaggingapi", region_name="us-east-1")

    values = service_tag_values(tagging, "lattice-ingress:publish")

    expected = {sid: str(i % 2 == 0) for i, sid in enumerate(ids) if i % 3 != 0}
    assert values == expected
