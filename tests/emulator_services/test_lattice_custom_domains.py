"""Lattice's documented limits on custom domain names: 3-255 characters (CreateService), and
unique within a service network (a second service with the same domain cannot join it).
moto accepts both, so each test fails against it."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .support import unique


def _domain(length: int) -> str:
    labels: list[str] = []
    while len(name := ".".join([*labels, "example.test"])) < length:
        labels.append("d" * min(63, length - len(name) - 1))
    return name


def test_given_custom_domain_over_255_characters_when_service_created_then_validation_error(
    lattice: Any,
) -> None:
    # botocore checks only the minimum length client-side; the maximum is the service's.
    with pytest.raises(ClientError) as caught:
        lattice.create_service(name=unique("long"), customDomainName=_domain(256))

    error = caught.value.response
    assert error["Error"]["Code"] == "ValidationException"
    assert error["reason"] == "fieldValidationFailed"
    assert error["fieldList"][0]["name"] == "customDomainName"
    assert lattice.create_service(name=unique("fits"), customDomainName=_domain(255))["id"]


def test_given_custom_domain_under_3_characters_when_sent_unchecked_then_validation_error(
    embedded: Any,
) -> None:
    unchecked = embedded.client("vpc-lattice", parameter_validation=False)

    with pytest.raises(ClientError) as caught:
        unchecked.create_service(name=unique("short"), customDomainName="ab")

    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_given_domain_used_in_network_when_second_service_associated_then_conflict(
    lattice: Any, service_network: dict[str, Any], provisioning: Any
) -> None:
    domain = f"{unique('shared')}.example.test"
    first = lattice.create_service(name=unique("first"), customDomainName=domain)["id"]
    second = lattice.create_service(name=unique("second"), customDomainName=domain.upper())["id"]
    elsewhere = lattice.create_service_network(name=unique("sn"))["id"]
    lattice.create_service_network_service_association(
        serviceIdentifier=first, serviceNetworkIdentifier=service_network["id"]
    )

    with pytest.raises(lattice.exceptions.ConflictException, match="unique within a service"):
        lattice.create_service_network_service_association(
            serviceIdentifier=second, serviceNetworkIdentifier=service_network["id"]
        )
    # Another network is another namespace.
    lattice.create_service_network_service_association(
        serviceIdentifier=second, serviceNetworkIdentifier=elsewhere
    )
