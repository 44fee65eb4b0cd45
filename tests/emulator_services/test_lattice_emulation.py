"""VPC Lattice in the emulator answers as AWS does (names, statuses, missing operations)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from embedded_aws.compat import vpclattice

from .support import control, unique, wait_until

GENERATED_NAME = re.compile(
    r"^(?P<name>[a-z0-9-]+)-(?P<hex>[0-9a-f]{17})\.[0-9a-f]{7}\.vpc-lattice-svcs\.us-east-1\.on\.aws$"
)
ZONE_ID = re.compile(r"^Z[0-9A-Z]{13}$")


def _associate(lattice: Any, network: dict[str, Any], service: dict[str, Any]) -> dict[str, Any]:
    return lattice.create_service_network_service_association(  # type: ignore[no-any-return]
        serviceNetworkIdentifier=network["id"], serviceIdentifier=service["id"]
    )


def _associations(lattice: Any, network: dict[str, Any]) -> list[dict[str, Any]]:
    pages = lattice.get_paginator("list_service_network_service_associations").paginate(
        serviceNetworkIdentifier=network["id"]
    )
    return [item for page in pages for item in page["items"]]


def _status(lattice: Any, service_id: str) -> str:
    return lattice.get_service(serviceIdentifier=service_id)["status"]  # type: ignore[no-any-return]


# -- generated DNS names ------------------------------------------------------------------
def test_given_custom_domain_when_service_created_then_dns_entry_is_generated_lattice_name(
    lattice, provisioning
):
    name = unique("orders")

    created = lattice.create_service(name=name, customDomainName=f"{name}.example.com")

    assert re.fullmatch(r"svc-[0-9a-f]{17}", created["id"])
    match = GENERATED_NAME.fullmatch(created["dnsEntry"]["domainName"])
    assert match, created["dnsEntry"]
    assert match["name"] == name
    assert match["hex"] == created["id"].removeprefix("svc-")
    assert ZONE_ID.fullmatch(created["dnsEntry"]["hostedZoneId"])
    assert created["customDomainName"] == f"{name}.example.com"


def test_given_service_when_read_four_ways_then_every_answer_carries_the_same_dns_entry(
    lattice, provisioning, service_network
):
    name = unique("billing")
    created = lattice.create_service(name=name, customDomainName=f"{name}.example.com")
    _associate(lattice, service_network, created)

    got = lattice.get_service(serviceIdentifier=created["id"])
    listed = [s for s in lattice.list_services(maxResults=100)["items"] if s["id"] == created["id"]]
    pages = lattice.get_paginator("list_services").paginate()
    listed = [s for page in pages for s in page["items"] if s["id"] == created["id"]]
    (association,) = _associations(lattice, service_network)

    assert got["dnsEntry"] == created["dnsEntry"]
    assert listed[0]["dnsEntry"] == created["dnsEntry"]
    assert association["dnsEntry"] == created["dnsEntry"]


def test_given_association_when_listed_then_it_names_service_and_network_like_aws(
    lattice, provisioning, service_network
):
    name = unique("catalog")
    service = lattice.create_service(name=name, customDomainName=f"{name}.example.com")
    association = _associate(lattice, service_network, service)

    (item,) = _associations(lattice, service_network)

    assert item["id"] == association["id"]
    assert re.fullmatch(r"snsa-[0-9a-f]{17}", item["id"])
    assert item["arn"].endswith(f":servicenetworkserviceassociation/{item['id']}")
    assert item["serviceId"] == service["id"]
    assert item["serviceName"] == name
    assert item["serviceArn"] == service["arn"]
    assert item["serviceNetworkId"] == service_network["id"]
    assert item["serviceNetworkName"] == service_network["name"]
    assert item["serviceNetworkArn"] == service_network["arn"]
    assert item["customDomainName"] == f"{name}.example.com"
    assert item["status"] in ("CREATE_IN_PROGRESS", "ACTIVE")
    assert item["createdAt"] is not None


def test_given_service_without_custom_domain_when_associated_then_no_custom_domain_is_invented(
    lattice, provisioning, service_network
):
    service = lattice.create_service(name=unique("plain"))
    _associate(lattice, service_network, service)

    (item,) = _associations(lattice, service_network)

    assert "customDomainName" not in item
    assert GENERATED_NAME.fullmatch(item["dnsEntry"]["domainName"])


def test_given_network_arn_when_listing_associations_then_same_items_as_by_id(
    lattice, provisioning, service_network
):
    service = lattice.create_service(name=unique("arn"))
    _associate(lattice, service_network, service)

    by_arn = lattice.list_service_network_service_associations(
        serviceNetworkIdentifier=service_network["arn"]
    )["items"]

    assert [i["serviceId"] for i in by_arn] == [service["id"]]
    assert lattice.get_service(serviceIdentifier=service["arn"])["id"] == service["id"]


def test_given_existing_association_when_associating_again_then_conflict(
    lattice, provisioning, service_network
):
    service = lattice.create_service(name=unique("twice"))
    _associate(lattice, service_network, service)

    with pytest.raises(ClientError) as raised:
        _associate(lattice, service_network, service)

    assert raised.value.response["Error"]["Code"] == "ConflictException"


# -- statuses -----------------------------------------------------------------------------
def test_given_provisioning_delay_when_service_created_then_in_progress_until_active(
    lattice, provisioning, service_network
):
    provisioning(3.0)  # wide enough that a loaded CI machine still reads it in progress

    service = lattice.create_service(name=unique("slow"))
    association = _associate(lattice, service_network, service)

    assert service["status"] == "CREATE_IN_PROGRESS"
    assert association["status"] == "CREATE_IN_PROGRESS"
    assert _status(lattice, service["id"]) == "CREATE_IN_PROGRESS"
    wait_until(lambda: _status(lattice, service["id"]) == "ACTIVE")
    wait_until(lambda: _associations(lattice, service_network)[0]["status"] == "ACTIVE")


def test_given_zero_delay_when_service_created_then_active_at_next_read(lattice, provisioning):
    service = lattice.create_service(name=unique("fast"))

    assert service["status"] == "CREATE_IN_PROGRESS"  # AWS never answers ACTIVE on create
    assert _status(lattice, service["id"]) == "ACTIVE"


def test_given_default_settings_when_reading_delay_then_about_one_second(monkeypatch):
    monkeypatch.delenv(vpclattice.PROVISION_SECONDS_ENV, raising=False)

    assert vpclattice.provision_seconds() == vpclattice.DEFAULT_PROVISION_SECONDS == 1.0


def test_given_held_name_when_service_created_then_it_stays_in_progress_until_released(
    embedded, lattice, provisioning, service_network
):
    name = unique("held")
    held = control(embedded, "POST", vpclattice.HOLD_PATH, {"serviceName": name})
    service = lattice.create_service(name=name)
    _associate(lattice, service_network, service)

    still = [_status(lattice, service["id"]) for _ in range(3)]
    association_status = _associations(lattice, service_network)[0]["status"]
    control(embedded, "DELETE", vpclattice.HOLD_PATH, {"serviceName": name})

    assert name in held["held"]
    assert still == ["CREATE_IN_PROGRESS"] * 3
    assert association_status == "CREATE_IN_PROGRESS"
    assert _status(lattice, service["id"]) == "ACTIVE"
    assert _associations(lattice, service_network)[0]["status"] == "ACTIVE"


# -- missing operations -------------------------------------------------------------------
def test_given_associated_service_when_deleted_then_conflict_like_aws(
    lattice, provisioning, service_network
):
    service = lattice.create_service(name=unique("busy"))
    _associate(lattice, service_network, service)

    with pytest.raises(ClientError) as raised:
        lattice.delete_service(serviceIdentifier=service["id"])

    assert raised.value.response["Error"]["Code"] == "ConflictException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert _status(lattice, service["id"]) == "ACTIVE"


def test_given_association_when_deleted_then_delete_in_progress_then_gone_then_service_deletes(
    lattice, provisioning, service_network
):
    provisioning(0.2)
    service = lattice.create_service(name=unique("leaving"))
    association = _associate(lattice, service_network, service)

    deleted = lattice.delete_service_network_service_association(
        serviceNetworkServiceAssociationIdentifier=association["id"]
    )
    wait_until(lambda: not _associations(lattice, service_network))
    removed = lattice.delete_service(serviceIdentifier=service["id"])

    assert deleted["status"] == "DELETE_IN_PROGRESS"
    assert deleted["id"] == association["id"]
    assert removed["status"] == "DELETE_IN_PROGRESS"
    assert removed["name"] == service["name"]

    def service_gone() -> bool:
        try:
            lattice.get_service(serviceIdentifier=service["id"])
        except ClientError as exc:
            return exc.response["Error"]["Code"] == "ResourceNotFoundException"
        return False

    wait_until(service_gone)


def test_given_service_when_updated_then_auth_type_and_certificate_change(lattice, provisioning):
    service = lattice.create_service(name=unique("upd"), customDomainName="upd.example.com")
    certificate = "arn:aws:acm:us-east-1:123456789012:certificate/abc"

    updated = lattice.update_service(
        serviceIdentifier=service["id"], authType="AWS_IAM", certificateArn=certificate
    )

    got = lattice.get_service(serviceIdentifier=service["id"])
    assert updated["authType"] == got["authType"] == "AWS_IAM"
    assert updated["certificateArn"] == got["certificateArn"] == certificate
    assert got["customDomainName"] == "upd.example.com"  # a custom domain never changes


def test_given_vpc_association_when_read_and_deleted_then_like_aws(
    lattice, provisioning, service_network
):
    created = lattice.create_service_network_vpc_association(
        serviceNetworkIdentifier=service_network["id"], vpcIdentifier="vpc-0123456789abcdef0"
    )

    got = lattice.get_service_network_vpc_association(
        serviceNetworkVpcAssociationIdentifier=created["id"]
    )
    deleted = lattice.delete_service_network_vpc_association(
        serviceNetworkVpcAssociationIdentifier=created["id"]
    )

    assert re.fullmatch(r"snva-[0-9a-f]{17}", created["id"])
    assert got["vpcId"] == "vpc-0123456789abcdef0"
    assert got["serviceNetworkId"] == service_network["id"]
    assert deleted["status"] == "DELETE_IN_PROGRESS"
    listed = lattice.list_service_network_vpc_associations(
        serviceNetworkIdentifier=service_network["id"]
    )["items"]
    assert listed == []


# -- pagination ---------------------------------------------------------------------------
def test_given_5000_associated_services_when_paginated_then_each_listed_once(
    embedded, lattice, provisioning, service_network
):
    from moto.vpclattice.models import vpclattice_backends

    backend = vpclattice_backends[embedded.account_id][embedded.region]
    # Seeded in-process: 10,000 HTTP round trips would only test the HTTP stack.
    services = [
        backend.create_service("NONE", None, "t", None, f"bulk-{i}", None) for i in range(5000)
    ]
    associations = [
        backend.create_service_network_service_association(service_network["id"], s.id, "t", None)
        for s in services
    ]
    try:
        pages = list(
            lattice.get_paginator("list_service_network_service_associations").paginate(
                serviceNetworkIdentifier=service_network["id"],
                PaginationConfig={"PageSize": 100},
            )
        )
        service_pages = lattice.get_paginator("list_services").paginate(
            PaginationConfig={"PageSize": 100}
        )
        listed_services = [s["id"] for page in service_pages for s in page["items"]]
    finally:
        for assoc in associations:
            backend.service_network_service_associations.pop(assoc.id, None)
        for service in services:
            backend.services.pop(service.id, None)

    listed = [item["serviceId"] for page in pages for item in page["items"]]
    assert len(pages) == 50
    assert len(listed) == len(set(listed)) == 5000
    assert set(listed) == {s.id for s in services}
    assert len(listed_services) == len(set(listed_services))
    assert {s.id for s in services} <= set(listed_services)


# -- service-network VPC endpoint mode ----------------------------------------------------
def test_given_service_network_endpoint_when_associations_described_then_one_name_per_service(
    embedded, lattice, provisioning, service_network
):
    ec2 = embedded.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.42.1.0/24")["Subnet"]["SubnetId"]
    name = unique("via-endpoint")
    service = lattice.create_service(name=name, customDomainName=f"{name}.example.com")
    association = _associate(lattice, service_network, service)
    endpoint = ec2.create_vpc_endpoint(
        VpcEndpointType="ServiceNetwork",
        VpcId=vpc,
        SubnetIds=[subnet],
        ServiceNetworkArn=service_network["arn"],
    )["VpcEndpoint"]

    (entry,) = ec2.describe_vpc_endpoint_associations(VpcEndpointIds=[endpoint["VpcEndpointId"]])[
        "VpcEndpointAssociations"
    ]
    again = ec2.describe_vpc_endpoint_associations()["VpcEndpointAssociations"]

    assert endpoint["ServiceNetworkArn"] == service_network["arn"]
    assert entry["VpcEndpointId"] == endpoint["VpcEndpointId"]
    assert entry["ServiceNetworkArn"] == service_network["arn"]
    assert entry["ServiceNetworkName"] == service_network["name"]
    assert entry["AssociatedResourceArn"] == service["arn"]
    assert entry["AssociatedResourceAccessibility"] == "Accessible"
    assert re.fullmatch(
        rf"{endpoint['VpcEndpointId']}-{association['id']}\.[0-9a-f]{{7}}"
        r"\.vpc-lattice-svcs\.us-east-1\.on\.aws",
        entry["DnsEntry"]["DnsName"],
    )
    assert ZONE_ID.fullmatch(entry["DnsEntry"]["HostedZoneId"])
    assert entry["PrivateDnsEntry"]["DnsName"] == f"{name}.example.com"
    assert entry in again  # ids and names are stable between calls


@pytest.mark.parametrize("max_results", [100, 101])
def test_given_max_results_when_listing_associations_then_above_100_is_refused_like_aws(
    lattice, service_network, max_results
):
    def listing() -> Any:
        return lattice.list_service_network_service_associations(
            serviceNetworkIdentifier=service_network["id"], maxResults=max_results
        )

    if max_results <= vpclattice.MAX_RESULTS:
        assert listing()["items"] == []
        return
    with pytest.raises(ClientError) as info:
        listing()
    assert info.value.response["Error"]["Code"] == "ValidationException"
    assert "maxResults" in info.value.response["Error"]["Message"]
