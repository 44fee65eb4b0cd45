"""Network: EC2 (VPCs, subnets, security groups, gateways, routes, addresses, endpoints)
and ELBv2 (load balancers, target groups, listeners)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from embedded_aws.deployer.context import Created, DeployContext, creator
from embedded_aws.deployer.helpers import json_text, pick, tag_list


# -- EC2 -------------------------------------------------------------------------------
def _ec2_tags(resource_type: str, props: Mapping[str, Any]) -> list[dict[str, Any]]:
    tags = tag_list(props)
    return [{"ResourceType": resource_type, "Tags": tags}] if tags else []


# Each VPC's Ipv6CidrBlocks attribute, by VPC id: CloudFormation reads that attribute when
# it is referenced, so a block associated later (AWS::EC2::VPCCidrBlock) must show in it.
_ipv6_blocks: dict[str, list[str]] = {}


@creator("AWS::EC2::VPC")
def _vpc(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    ec2 = ctx.client("ec2")
    vpc = ec2.create_vpc(CidrBlock=props["CidrBlock"], TagSpecifications=_ec2_tags("vpc", props))[
        "Vpc"
    ]
    vpc_id = vpc["VpcId"]
    for attribute in ("EnableDnsSupport", "EnableDnsHostnames"):
        if attribute in props:
            ec2.modify_vpc_attribute(VpcId=vpc_id, **{attribute: {"Value": bool(props[attribute])}})
    groups = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"]
    return Created(
        "AWS::EC2::VPC",
        vpc_id,
        {
            "VpcId": vpc_id,
            "CidrBlock": vpc["CidrBlock"],
            "CidrBlockAssociations": [
                a["AssociationId"] for a in vpc.get("CidrBlockAssociationSet", [])
            ],
            "DefaultSecurityGroup": groups[0]["GroupId"] if groups else "",
            "Ipv6CidrBlocks": _ipv6_blocks.setdefault(vpc_id, []),
        },
    )


@creator("AWS::EC2::VPCCidrBlock")
def _vpc_cidr_block(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    ec2 = ctx.client("ec2")
    vpc_id = props["VpcId"]
    request: dict[str, Any] = {"VpcId": vpc_id}
    if props.get("AmazonProvidedIpv6CidrBlock"):
        request["AmazonProvidedIpv6CidrBlock"] = True
    else:
        request.update(pick(props, "CidrBlock", "Ipv6CidrBlock"))
    answer = ec2.associate_vpc_cidr_block(**request)
    ipv6 = answer.get("Ipv6CidrBlockAssociation") or {}
    if ipv6.get("Ipv6CidrBlock"):
        _ipv6_blocks.setdefault(vpc_id, []).append(ipv6["Ipv6CidrBlock"])
    association = ipv6 or answer.get("CidrBlockAssociation") or {}
    return Created(
        "AWS::EC2::VPCCidrBlock",
        str(association.get("AssociationId", ctx.name(logical_id))),
        {"Id": str(association.get("AssociationId", ""))},
    )


@creator("AWS::EC2::Subnet")
def _subnet(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    request = {
        "VpcId": props["VpcId"],
        "CidrBlock": props["CidrBlock"],
        **pick(props, "AvailabilityZone", "AvailabilityZoneId"),
        "TagSpecifications": _ec2_tags("subnet", props),
    }
    if props.get("Ipv6CidrBlock"):
        request["Ipv6CidrBlock"] = props["Ipv6CidrBlock"]
    subnet = ctx.client("ec2").create_subnet(**request)["Subnet"]
    if props.get("MapPublicIpOnLaunch"):
        ctx.client("ec2").modify_subnet_attribute(
            SubnetId=subnet["SubnetId"], MapPublicIpOnLaunch={"Value": True}
        )
    return Created(
        "AWS::EC2::Subnet",
        subnet["SubnetId"],
        {
            "SubnetId": subnet["SubnetId"],
            "AvailabilityZone": subnet["AvailabilityZone"],
            "VpcId": subnet["VpcId"],
            "CidrBlock": subnet["CidrBlock"],
        },
    )


def ip_permission(rule: Mapping[str, Any]) -> dict[str, Any]:
    permission: dict[str, Any] = {"IpProtocol": str(rule.get("IpProtocol", "-1"))}
    if "FromPort" in rule:
        permission["FromPort"] = int(rule["FromPort"])
    if "ToPort" in rule:
        permission["ToPort"] = int(rule["ToPort"])
    description = {"Description": rule["Description"]} if "Description" in rule else {}
    if "CidrIp" in rule:
        permission["IpRanges"] = [{"CidrIp": rule["CidrIp"], **description}]
    if "CidrIpv6" in rule:
        permission["Ipv6Ranges"] = [{"CidrIpv6": rule["CidrIpv6"], **description}]
    group = rule.get("SourceSecurityGroupId") or rule.get("DestinationSecurityGroupId")
    if group:
        permission["UserIdGroupPairs"] = [{"GroupId": group, **description}]
    prefix = rule.get("SourcePrefixListId") or rule.get("DestinationPrefixListId")
    if prefix:
        permission["PrefixListIds"] = [{"PrefixListId": prefix, **description}]
    return permission


@creator("AWS::EC2::SecurityGroup")
def _security_group(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    ec2 = ctx.client("ec2")
    request = {
        "GroupName": props.get("GroupName") or ctx.name(logical_id, 255),
        "Description": props.get("GroupDescription", logical_id),
        **pick(props, "VpcId"),
        "TagSpecifications": _ec2_tags("security-group", props),
    }
    group_id = ec2.create_security_group(**request)["GroupId"]
    if props.get("SecurityGroupIngress"):
        ec2.authorize_security_group_ingress(
            GroupId=group_id,
            IpPermissions=[ip_permission(r) for r in props["SecurityGroupIngress"]],
        )
    if props.get("SecurityGroupEgress"):
        ec2.authorize_security_group_egress(
            GroupId=group_id,
            IpPermissions=[ip_permission(r) for r in props["SecurityGroupEgress"]],
        )
    return Created(
        "AWS::EC2::SecurityGroup",
        group_id,
        {"GroupId": group_id, "VpcId": props.get("VpcId", "")},
    )


@creator("AWS::EC2::PrefixList")
def _prefix_list(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    request: dict[str, Any] = {
        "PrefixListName": props["PrefixListName"],
        "AddressFamily": props["AddressFamily"],
        "MaxEntries": int(props["MaxEntries"]),
        "TagSpecifications": _ec2_tags("prefix-list", props),
    }
    if props.get("Entries"):
        request["Entries"] = [pick(e, "Cidr", "Description") for e in props["Entries"]]
    created = ctx.client("ec2").create_managed_prefix_list(**request)["PrefixList"]
    return Created(
        "AWS::EC2::PrefixList",
        created["PrefixListId"],
        {
            "PrefixListId": created["PrefixListId"],
            "Arn": created["PrefixListArn"],
            "OwnerId": created.get("OwnerId", ""),
            "Version": str(created.get("Version", 1)),
        },
    )


@creator("AWS::EC2::SecurityGroupIngress")
def _security_group_ingress(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    ctx.client("ec2").authorize_security_group_ingress(
        GroupId=props["GroupId"], IpPermissions=[ip_permission(props)]
    )
    return Created("AWS::EC2::SecurityGroupIngress", ctx.name(logical_id))


@creator("AWS::EC2::SecurityGroupEgress")
def _security_group_egress(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    ctx.client("ec2").authorize_security_group_egress(
        GroupId=props["GroupId"], IpPermissions=[ip_permission(props)]
    )
    return Created("AWS::EC2::SecurityGroupEgress", ctx.name(logical_id))


@creator("AWS::EC2::InternetGateway")
def _internet_gateway(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    gateway = ctx.client("ec2").create_internet_gateway(
        TagSpecifications=_ec2_tags("internet-gateway", props)
    )["InternetGateway"]["InternetGatewayId"]
    return Created("AWS::EC2::InternetGateway", gateway, {"InternetGatewayId": gateway})


@creator("AWS::EC2::VPCGatewayAttachment")
def _gateway_attachment(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    ctx.client("ec2").attach_internet_gateway(
        InternetGatewayId=props["InternetGatewayId"], VpcId=props["VpcId"]
    )
    return Created("AWS::EC2::VPCGatewayAttachment", ctx.name(logical_id))


@creator("AWS::EC2::RouteTable")
def _route_table(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    table = ctx.client("ec2").create_route_table(
        VpcId=props["VpcId"], TagSpecifications=_ec2_tags("route-table", props)
    )["RouteTable"]["RouteTableId"]
    return Created("AWS::EC2::RouteTable", table, {"RouteTableId": table})


@creator("AWS::EC2::Route")
def _route(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    ctx.client("ec2").create_route(
        **pick(
            props,
            "RouteTableId",
            "DestinationCidrBlock",
            "DestinationIpv6CidrBlock",
            "GatewayId",
            "NatGatewayId",
            "VpcEndpointId",
        )
    )
    return Created("AWS::EC2::Route", ctx.name(logical_id))


@creator("AWS::EC2::SubnetRouteTableAssociation")
def _route_association(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    association = ctx.client("ec2").associate_route_table(
        RouteTableId=props["RouteTableId"], SubnetId=props["SubnetId"]
    )["AssociationId"]
    return Created("AWS::EC2::SubnetRouteTableAssociation", association, {"Id": association})


@creator("AWS::EC2::EIP")
def _eip(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    address = ctx.client("ec2").allocate_address(Domain="vpc")
    return Created(
        "AWS::EC2::EIP",
        address["PublicIp"],
        {"AllocationId": address["AllocationId"], "PublicIp": address["PublicIp"]},
    )


@creator("AWS::EC2::NatGateway")
def _nat_gateway(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    gateway = ctx.client("ec2").create_nat_gateway(
        **pick(props, "SubnetId", "AllocationId", "ConnectivityType"),
        TagSpecifications=_ec2_tags("natgateway", props),
    )["NatGateway"]["NatGatewayId"]
    return Created("AWS::EC2::NatGateway", gateway, {"NatGatewayId": gateway})


@creator("AWS::EC2::VPCEndpoint")
def _vpc_endpoint(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    endpoint = ctx.client("ec2").create_vpc_endpoint(
        **pick(
            props,
            "VpcId",
            "ServiceName",
            "VpcEndpointType",
            "SubnetIds",
            "SecurityGroupIds",
            "RouteTableIds",
            "PrivateDnsEnabled",
            "ServiceNetworkArn",
        ),
        **(
            {"PolicyDocument": json_text(props["PolicyDocument"])}
            if "PolicyDocument" in props
            else {}
        ),
    )["VpcEndpoint"]
    entries = [
        f"{e.get('HostedZoneId', '')}:{e.get('DnsName', '')}"
        for e in endpoint.get("DnsEntries", [])
    ]
    return Created(
        "AWS::EC2::VPCEndpoint",
        endpoint["VpcEndpointId"],
        {
            "Id": endpoint["VpcEndpointId"],
            "DnsEntries": entries,
            "NetworkInterfaceIds": endpoint.get("NetworkInterfaceIds", []),
            "CreationTimestamp": str(endpoint.get("CreationTimestamp", "")),
        },
    )


# -- load balancing --------------------------------------------------------------------
@creator("AWS::ElasticLoadBalancingV2::LoadBalancer")
def _load_balancer(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    elbv2 = ctx.client("elbv2")
    name = props.get("Name") or ctx.name(logical_id, 32)
    request = {
        "Name": name,
        **pick(
            props, "Subnets", "SubnetMappings", "SecurityGroups", "Scheme", "Type", "IpAddressType"
        ),
    }
    if props.get("Tags"):
        request["Tags"] = tag_list(props)
    balancer = elbv2.create_load_balancer(**request)["LoadBalancers"][0]
    arn = balancer["LoadBalancerArn"]
    attributes = props.get("LoadBalancerAttributes") or []
    if attributes:
        elbv2.modify_load_balancer_attributes(
            LoadBalancerArn=arn,
            Attributes=[{"Key": a["Key"], "Value": str(a["Value"])} for a in attributes],
        )
    return Created(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        arn,
        {
            "DNSName": balancer["DNSName"],
            "CanonicalHostedZoneID": balancer["CanonicalHostedZoneId"],
            "LoadBalancerArn": arn,
            "LoadBalancerName": name,
            "LoadBalancerFullName": arn.split(":loadbalancer/", 1)[-1],
            "SecurityGroups": balancer.get("SecurityGroups", []),
        },
    )


@creator("AWS::ElasticLoadBalancingV2::TargetGroup")
def _target_group(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    elbv2 = ctx.client("elbv2")
    name = props.get("Name") or ctx.name(logical_id, 32)
    request: dict[str, Any] = {
        "Name": name,
        **pick(
            props,
            "Protocol",
            "VpcId",
            "TargetType",
            "HealthCheckProtocol",
            "HealthCheckPort",
            "HealthCheckPath",
            "HealthCheckEnabled",
            "IpAddressType",
        ),
    }
    for key in (
        "Port",
        "HealthCheckIntervalSeconds",
        "HealthCheckTimeoutSeconds",
        "HealthyThresholdCount",
        "UnhealthyThresholdCount",
    ):
        if key in props:
            request[key] = int(props[key])
    group = elbv2.create_target_group(**request)["TargetGroups"][0]
    arn = group["TargetGroupArn"]
    attributes = props.get("TargetGroupAttributes") or []
    if attributes:
        elbv2.modify_target_group_attributes(
            TargetGroupArn=arn,
            Attributes=[{"Key": a["Key"], "Value": str(a["Value"]).lower()} for a in attributes],
        )
    return Created(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        arn,
        {
            "TargetGroupArn": arn,
            "TargetGroupName": name,
            "TargetGroupFullName": arn.split(":", 5)[-1].split("/", 1)[-1],
            "LoadBalancerArns": group.get("LoadBalancerArns", []),
        },
    )


@creator("AWS::ElasticLoadBalancingV2::Listener")
def _listener(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    request = {
        "LoadBalancerArn": props["LoadBalancerArn"],
        "Port": int(props["Port"]),
        **pick(props, "Protocol", "Certificates", "SslPolicy", "AlpnPolicy"),
        "DefaultActions": props["DefaultActions"],
    }
    arn = ctx.client("elbv2").create_listener(**request)["Listeners"][0]["ListenerArn"]
    return Created("AWS::ElasticLoadBalancingV2::Listener", arn, {"ListenerArn": arn})
