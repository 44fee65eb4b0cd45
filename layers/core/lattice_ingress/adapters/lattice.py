"""VPC Lattice and EC2 reads that describe the desired state."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from lattice_ingress.models.catalog import ServiceAssociation, UpstreamTarget
from lattice_ingress.models.errors import LatticeApiError

# The largest page each API allows (Lattice list calls: 100; GetResources: 100 resources).
LATTICE_PAGE_SIZE = 100
TAGGING_PAGE_SIZE = 100
SERVICE_RESOURCE_TYPE = "vpc-lattice:service"

# DescribeVpcEndpointAssociations has no botocore paginator; bound the NextToken walk so a
# misbehaving endpoint can never spin a Lambda until its timeout.
MAX_ENDPOINT_PAGES = 1000


def list_service_associations(lattice: Any, service_network: str) -> list[ServiceAssociation]:
    """Every service association of the network, all pages (the listing carries the custom
    domain and dnsEntry, so no GetService per service is needed)."""
    paginator = lattice.get_paginator("list_service_network_service_associations")
    try:
        return [
            ServiceAssociation.model_validate(item)
            for page in paginator.paginate(
                serviceNetworkIdentifier=service_network,
                PaginationConfig={"PageSize": LATTICE_PAGE_SIZE},
            )
            for item in page.get("items", [])
        ]
    except (ClientError, BotoCoreError) as exc:
        raise LatticeApiError(
            f"cannot list the services of service network {service_network}: {exc}"
        ) from exc


def service_tag_values(tagging: Any, key: str) -> dict[str, str]:
    """Service id -> the value of tag `key`, for every Lattice service carrying that key.

    One Resource Groups Tagging API listing (100 per page, filtered to services that carry
    the key server-side) instead of one ListTagsForResource per service: a network of 5,000
    services where few are tagged costs one call."""
    paginator = tagging.get_paginator("get_resources")
    values: dict[str, str] = {}
    try:
        for page in paginator.paginate(
            ResourceTypeFilters=[SERVICE_RESOURCE_TYPE],
            TagFilters=[{"Key": key}],
            ResourcesPerPage=TAGGING_PAGE_SIZE,
        ):
            for mapping in page.get("ResourceTagMappingList", []):
                service_id = service_id_from_arn(mapping.get("ResourceARN", ""))
                tags = {t["Key"]: t.get("Value", "") for t in mapping.get("Tags", [])}
                if service_id and key in tags:
                    values[service_id] = tags[key]
    except (ClientError, BotoCoreError) as exc:
        raise LatticeApiError(
            f"cannot read the {key!r} tags of the Lattice services: {exc}"
        ) from exc
    return values


def service_id_from_arn(arn: str) -> str | None:
    """`arn:aws:vpc-lattice:<region>:<account>:service/svc-...` -> `svc-...`."""
    resource = arn.rsplit(":", 1)[-1]
    kind, _, ident = resource.partition("/")
    return ident if kind == "service" and ident else None


def endpoint_targets(ec2: Any, endpoint_id: str) -> dict[str, UpstreamTarget]:
    """Service id -> the service network endpoint's per-service DNS name (what the ingress
    VPC must use when it reaches the network through that endpoint)."""
    targets: dict[str, UpstreamTarget] = {}
    request: dict[str, Any] = {"VpcEndpointIds": [endpoint_id]}
    for _ in range(MAX_ENDPOINT_PAGES):
        try:
            page = ec2.describe_vpc_endpoint_associations(**request)
        except (ClientError, BotoCoreError) as exc:
            raise LatticeApiError(
                f"cannot describe the associations of endpoint {endpoint_id}: {exc}"
            ) from exc
        for item in page.get("VpcEndpointAssociations", []):
            service_id = service_id_from_arn(item.get("AssociatedResourceArn", ""))
            dns = item.get("DnsEntry") or {}
            if service_id and dns.get("DnsName"):
                targets[service_id] = UpstreamTarget(
                    dns_name=dns["DnsName"], hosted_zone_id=dns.get("HostedZoneId")
                )
        token = page.get("NextToken")
        if not token:
            return targets
        request["NextToken"] = token
    raise LatticeApiError(f"endpoint {endpoint_id} returned more than {MAX_ENDPOINT_PAGES} pages")
