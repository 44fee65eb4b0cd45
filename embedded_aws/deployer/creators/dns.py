"""DNS and service networking: Route 53 hosted zones and record sets, VPC Lattice service
networks and their VPC associations."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from embedded_aws.deployer.context import Created, DeployContext, DeployError, creator
from embedded_aws.deployer.helpers import pick


# -- Route 53 --------------------------------------------------------------------------
@creator("AWS::Route53::HostedZone")
def _hosted_zone(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    vpcs = props.get("VPCs") or []
    request: dict[str, Any] = {"Name": props["Name"], "CallerReference": uuid.uuid4().hex}
    if vpcs:
        request["VPC"] = {"VPCId": vpcs[0]["VPCId"], "VPCRegion": vpcs[0]["VPCRegion"]}
    comment = (props.get("HostedZoneConfig") or {}).get("Comment")
    if comment:
        request["HostedZoneConfig"] = {"Comment": comment, "PrivateZone": bool(vpcs)}
    zone = ctx.client("route53").create_hosted_zone(**request)
    zone_id = zone["HostedZone"]["Id"].rsplit("/", 1)[-1]
    return Created(
        "AWS::Route53::HostedZone",
        zone_id,
        {"Id": zone_id, "NameServers": zone.get("DelegationSet", {}).get("NameServers", [])},
    )


def _record_change(record: Mapping[str, Any]) -> dict[str, Any]:
    change: dict[str, Any] = {
        **pick(record, "Name", "Type", "SetIdentifier", "Weight", "Region"),
    }
    if "TTL" in record:
        change["TTL"] = int(record["TTL"])
    if "ResourceRecords" in record:
        change["ResourceRecords"] = [{"Value": str(v)} for v in record["ResourceRecords"]]
    if "AliasTarget" in record:
        alias = record["AliasTarget"]
        change["AliasTarget"] = {
            "DNSName": alias["DNSName"],
            "HostedZoneId": alias["HostedZoneId"],
            "EvaluateTargetHealth": bool(alias.get("EvaluateTargetHealth", False)),
        }
    return {"Action": "UPSERT", "ResourceRecordSet": change}


def _zone_id(ctx: DeployContext, props: Mapping[str, Any]) -> str:
    if "HostedZoneId" in props:
        return str(props["HostedZoneId"])
    wanted = str(props["HostedZoneName"]).rstrip(".") + "."
    paginator = ctx.client("route53").get_paginator("list_hosted_zones")
    for page in paginator.paginate():
        for zone in page["HostedZones"]:
            if zone["Name"] == wanted:
                return str(zone["Id"]).rsplit("/", 1)[-1]
    raise DeployError(f"no hosted zone named {wanted}")


@creator("AWS::Route53::RecordSet", "AWS::Route53::RecordSetGroup")
def _record_sets(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    records = props.get("RecordSets") or [props]
    ctx.client("route53").change_resource_record_sets(
        HostedZoneId=_zone_id(ctx, props),
        ChangeBatch={"Changes": [_record_change(r) for r in records]},
    )
    return Created("AWS::Route53::RecordSet", str(records[0]["Name"]))


# -- VPC Lattice -----------------------------------------------------------------------
@creator("AWS::VpcLattice::ServiceNetwork")
def _service_network(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    network = ctx.client("vpc-lattice").create_service_network(
        name=props.get("Name") or ctx.name(logical_id, 63, lower=True),
        authType=props.get("AuthType", "NONE"),
    )
    return Created(
        "AWS::VpcLattice::ServiceNetwork",
        network["arn"],
        {"Arn": network["arn"], "Id": network["id"]},
    )


@creator("AWS::VpcLattice::ServiceNetworkVpcAssociation")
def _service_network_vpc(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    association = ctx.client("vpc-lattice").create_service_network_vpc_association(
        serviceNetworkIdentifier=props["ServiceNetworkIdentifier"],
        vpcIdentifier=props["VpcIdentifier"],
        **(
            {"securityGroupIds": props["SecurityGroupIds"]} if props.get("SecurityGroupIds") else {}
        ),
    )
    return Created(
        "AWS::VpcLattice::ServiceNetworkVpcAssociation",
        association["arn"],
        {"Arn": association["arn"], "Id": association["id"]},
    )
