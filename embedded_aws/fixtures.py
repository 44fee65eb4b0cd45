"""What an AWS account already has before lattice-ingress is deployed into it.

The stack publishes services of an existing VPC Lattice service network into existing
hosted zones, so the embedded account gets: an ingress VPC with subnets, a public
(consumer) and a private (proxy, associated with the ingress VPC) hosted zone for the demo
domain, and a service network associated with the ingress VPC. Their ids become the
template's parameter overrides, mapped by the parameter names the template declares.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from embedded_aws.server import EmbeddedAws

DEMO_DOMAIN = "lattice-demo.example.com"
"""Services' custom domains live under this (example.com is reserved by RFC 2606)."""
INGRESS_VPC_CIDR = "10.0.0.0/16"
_SUBNET_CIDRS = ("10.0.0.0/20", "10.0.16.0/20", "10.0.128.0/20", "10.0.144.0/20")


@dataclass(frozen=True)
class AccountFixtures:
    domain: str
    vpc_id: str
    vpc_cidr: str
    public_subnet_ids: tuple[str, ...]
    private_subnet_ids: tuple[str, ...]
    consumer_zone_id: str
    proxy_zone_id: str
    service_network_id: str
    service_network_arn: str

    def parameter_values(self) -> dict[str, str]:
        """Candidate values by every parameter name the template may use for them."""
        private = ",".join(self.private_subnet_ids)
        public = ",".join(self.public_subnet_ids)
        # VpcCidr is deliberately absent: locally the trusted PROXY-protocol senders are
        # loopback (samconfig.toml's `local` environment), not the emulated VPC's range.
        return {
            "ServiceNetworkIdentifier": self.service_network_id,
            "ServiceNetworkId": self.service_network_id,
            "ConsumerHostedZoneId": self.consumer_zone_id,
            "ConsumerZoneId": self.consumer_zone_id,
            "ProxyHostedZoneId": self.proxy_zone_id,
            "ProxyZoneId": self.proxy_zone_id,
            "DomainName": self.domain,
            "ConsumerZoneName": self.domain,
            "ProxyZoneName": self.domain,
            "VpcId": self.vpc_id,
            "ExistingVpcId": self.vpc_id,
            "SubnetIds": private,
            "PrivateSubnetIds": private,
            "ExistingPrivateSubnetIds": private,
            "PublicSubnetIds": public,
            "ExistingPublicSubnetIds": public,
            # The fixture VPC is associated already; a VPC joins one service network only.
            "AssociateServiceNetwork": "false",
        }

    def parameter_overrides(self, declared: Mapping[str, Any]) -> dict[str, str]:
        """The fixture values for the parameters `declared` (a template's Parameters)."""
        return {k: v for k, v in self.parameter_values().items() if k in declared}

    def outputs(self) -> dict[str, str]:
        """Local-serve output keys that come from the account rather than the stack."""
        return {
            "ConsumerHostedZoneId": self.consumer_zone_id,
            "ProxyHostedZoneId": self.proxy_zone_id,
            "ServiceNetworkId": self.service_network_id,
        }


def create_fixtures(embedded: EmbeddedAws, domain: str = DEMO_DOMAIN) -> AccountFixtures:
    """Create the pre-existing account resources in the emulator (new ones on every call)."""
    ec2 = embedded.client("ec2")
    vpc_id = ec2.create_vpc(
        CidrBlock=INGRESS_VPC_CIDR,
        TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "lattice-ingress-demo"}]}
        ],
    )["Vpc"]["VpcId"]
    zones = sorted(z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"])
    subnet_ids = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zones[i % 2])["Subnet"][
            "SubnetId"
        ]
        for i, cidr in enumerate(_SUBNET_CIDRS)
    ]
    route53 = embedded.client("route53")
    consumer = route53.create_hosted_zone(
        Name=domain,
        CallerReference=f"consumer-{uuid.uuid4()}",
        HostedZoneConfig={
            "Comment": "lattice-ingress consumer zone (public)",
            "PrivateZone": False,
        },
    )["HostedZone"]["Id"]
    proxy = route53.create_hosted_zone(
        Name=domain,
        CallerReference=f"proxy-{uuid.uuid4()}",
        VPC={"VPCRegion": embedded.region, "VPCId": vpc_id},
        HostedZoneConfig={"Comment": "lattice-ingress proxy zone (private)", "PrivateZone": True},
    )["HostedZone"]["Id"]
    _create_logging_trail(embedded)
    lattice = embedded.client("vpc-lattice")
    network = lattice.create_service_network(name=f"lattice-ingress-demo-{uuid.uuid4().hex[:8]}")
    lattice.create_service_network_vpc_association(
        serviceNetworkIdentifier=network["id"], vpcIdentifier=vpc_id
    )
    return AccountFixtures(
        domain=domain,
        vpc_id=vpc_id,
        vpc_cidr=INGRESS_VPC_CIDR,
        public_subnet_ids=tuple(subnet_ids[:2]),
        private_subnet_ids=tuple(subnet_ids[2:]),
        consumer_zone_id=consumer.rsplit("/", 1)[-1],
        proxy_zone_id=proxy.rsplit("/", 1)[-1],
        service_network_id=network["id"],
        service_network_arn=network["arn"],
    )


def _create_logging_trail(embedded: EmbeddedAws) -> None:
    """A multi-Region trail that is logging: in AWS, EventBridge receives "AWS API Call via
    CloudTrail" events only in such an account, and `lattice-ingress status` checks for it.
    (The emulator's CloudTrail events do not depend on it; docs/emulator.md says so.)"""
    suffix = uuid.uuid4().hex[:8]
    bucket = f"lattice-ingress-trail-{suffix}"
    embedded.client("s3").create_bucket(Bucket=bucket)
    cloudtrail = embedded.client("cloudtrail")
    trail = cloudtrail.create_trail(
        Name=f"lattice-ingress-demo-{suffix}", S3BucketName=bucket, IsMultiRegionTrail=True
    )
    cloudtrail.start_logging(Name=trail["TrailARN"])
