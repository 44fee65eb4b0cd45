"""A service owned by another account joins this account's service network only once its
owner has shared it with this account through AWS RAM, as on AWS. moto lets no Lattice
resource be shared and looks every association's service up in the caller's own account,
so each test here fails against it."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from .support import unique

OWNER = "333333333333"  # the service's account; the network is the default account's


def account_client(embedded: Any, account_id: str, service: str) -> Any:
    """A client acting as `account_id`: moto maps assumed-role credentials to the role's
    account, as STS does (any other key is the default account)."""
    credentials = embedded.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/admin", RoleSessionName="shared-services"
    )["Credentials"]
    return boto3.client(
        service,
        endpoint_url=embedded.endpoint,
        region_name=embedded.region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


@pytest.fixture
def owner_service(embedded: Any, provisioning: Any) -> dict[str, Any]:
    lattice = account_client(embedded, OWNER, "vpc-lattice")
    name = unique("shared")
    service: dict[str, Any] = lattice.create_service(
        name=name, customDomainName=f"{name}.example.test"
    )
    return service


def share(embedded: Any, resource_arn: str, principal: str) -> dict[str, Any]:
    ram = account_client(embedded, OWNER, "ram")
    share: dict[str, Any] = ram.create_resource_share(
        name=unique("share"), resourceArns=[resource_arn], principals=[principal]
    )["resourceShare"]
    return share


def test_given_service_of_another_account_not_shared_when_associated_then_access_denied(
    embedded: Any, lattice: Any, service_network: dict[str, Any], owner_service: dict[str, Any]
) -> None:
    share(embedded, owner_service["arn"], "444444444444")  # shared, but not with us

    with pytest.raises(ClientError) as caught:
        lattice.create_service_network_service_association(
            serviceIdentifier=owner_service["arn"], serviceNetworkIdentifier=service_network["id"]
        )

    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    listed = lattice.list_service_network_service_associations(
        serviceNetworkIdentifier=service_network["id"]
    )["items"]
    assert listed == []


def test_given_service_shared_with_network_owner_when_associated_then_listed_with_its_arn_and_dns(
    embedded: Any, lattice: Any, service_network: dict[str, Any], owner_service: dict[str, Any]
) -> None:
    share(embedded, owner_service["arn"], embedded.account_id)

    created = lattice.create_service_network_service_association(
        serviceIdentifier=owner_service["arn"], serviceNetworkIdentifier=service_network["id"]
    )

    [item] = lattice.list_service_network_service_associations(
        serviceNetworkIdentifier=service_network["id"]
    )["items"]
    assert item["id"] == created["id"]
    assert item["serviceArn"] == owner_service["arn"]
    assert f":{OWNER}:service/" in item["serviceArn"]
    assert item["serviceId"] == owner_service["id"]
    assert item["serviceName"] == owner_service["name"]
    assert item["customDomainName"] == owner_service["customDomainName"]
    assert item["dnsEntry"] == owner_service["dnsEntry"]
    assert item["createdBy"] == embedded.account_id
    assert item["serviceNetworkArn"] == service_network["arn"]


def test_given_shared_service_associated_elsewhere_when_owner_deletes_it_then_conflict(
    embedded: Any, lattice: Any, service_network: dict[str, Any], owner_service: dict[str, Any]
) -> None:
    share(embedded, owner_service["arn"], embedded.account_id)
    lattice.create_service_network_service_association(
        serviceIdentifier=owner_service["arn"], serviceNetworkIdentifier=service_network["id"]
    )
    owner_lattice = account_client(embedded, OWNER, "vpc-lattice")

    with pytest.raises(owner_lattice.exceptions.ConflictException):
        owner_lattice.delete_service(serviceIdentifier=owner_service["id"])


def test_given_service_of_another_account_when_shared_by_non_owner_then_unknown_resource(
    embedded: Any, owner_service: dict[str, Any]
) -> None:
    ram = embedded.client("ram")  # the default account does not own the service

    with pytest.raises(ram.exceptions.UnknownResourceException):
        ram.create_resource_share(
            name=unique("theft"),
            resourceArns=[owner_service["arn"]],
            principals=[embedded.account_id],
        )


# -- the other direction: the network owner shares its network; the service owner associates


def test_given_network_of_another_account_not_shared_when_owner_associates_then_access_denied(
    embedded: Any, service_network: dict[str, Any], owner_service: dict[str, Any]
) -> None:
    owner_lattice = account_client(embedded, OWNER, "vpc-lattice")

    with pytest.raises(ClientError) as caught:
        owner_lattice.create_service_network_service_association(
            serviceIdentifier=owner_service["id"], serviceNetworkIdentifier=service_network["arn"]
        )

    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"


def test_given_network_shared_with_service_owner_when_it_associates_then_both_accounts_list_it(
    embedded: Any, lattice: Any, service_network: dict[str, Any], owner_service: dict[str, Any]
) -> None:
    embedded.client("ram").create_resource_share(
        name=unique("network"), resourceArns=[service_network["arn"]], principals=[OWNER]
    )
    owner_lattice = account_client(embedded, OWNER, "vpc-lattice")

    created = owner_lattice.create_service_network_service_association(
        serviceIdentifier=owner_service["id"], serviceNetworkIdentifier=service_network["arn"]
    )

    [in_network] = lattice.list_service_network_service_associations(
        serviceNetworkIdentifier=service_network["id"]
    )["items"]
    [in_owner] = owner_lattice.list_service_network_service_associations(
        serviceIdentifier=owner_service["id"]
    )["items"]
    assert in_network["id"] == in_owner["id"] == created["id"]
    assert in_network["createdBy"] == OWNER
    assert in_network["serviceArn"] == owner_service["arn"]
    assert in_network["dnsEntry"] == owner_service["dnsEntry"]
    assert in_network["serviceNetworkArn"] == service_network["arn"]


def test_given_service_and_network_both_shared_with_caller_when_associated_then_access_denied(
    embedded: Any, lattice: Any, owner_service: dict[str, Any]
) -> None:
    # The caller must own one of the two, as CreateServiceNetworkServiceAssociation says.
    third = account_client(embedded, "555555555555", "vpc-lattice")
    network = third.create_service_network(name=unique("sn"))
    account_client(embedded, "555555555555", "ram").create_resource_share(
        name=unique("network"), resourceArns=[network["arn"]], principals=[embedded.account_id]
    )
    share(embedded, owner_service["arn"], embedded.account_id)

    with pytest.raises(ClientError) as caught:
        lattice.create_service_network_service_association(
            serviceIdentifier=owner_service["arn"], serviceNetworkIdentifier=network["arn"]
        )

    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "must own either" in caught.value.response["Error"]["Message"]
