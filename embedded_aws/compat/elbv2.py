"""ELBv2 IP address types as AWS enforces them for Network Load Balancers.

moto 5.2.x accepts a dualstack load balancer on subnets without IPv6 CIDR blocks, a listener
of an IPv4-only load balancer forwarding to an IPv6 target group, and targets of either
family in any target group. AWS refuses all three (Elastic Load Balancing, "IP address
type": a dualstack NLB needs IPv6 blocks on its subnets; IPv6 target groups can only be
used with dualstack load balancers; all targets of a group have its address type). A
dualstack NLB forwarding to an IPv4 target group is allowed, as in AWS.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from moto.elbv2.exceptions import InvalidConfigurationRequest, ValidationError
from moto.elbv2.models import ELBv2Backend

if TYPE_CHECKING:
    from embedded_aws.server import EmbeddedAws

_patched = False


def _subnet_has_ipv6(subnet: Any) -> bool:
    return any(
        a.get("ipv6CidrBlockState", {}).get("State") == "associated"
        for a in subnet.ipv6_cidr_block_associations.values()
    )


def _forwarded_groups(actions: list[dict[str, Any]]) -> list[str]:
    arns: list[str] = []
    for action in actions:
        if action.get("TargetGroupArn"):
            arns.append(action["TargetGroupArn"])
        for group in (action.get("ForwardConfig") or {}).get("TargetGroups") or []:
            arns.append(group["TargetGroupArn"])
    return arns


def _patch_moto() -> None:
    global _patched
    if _patched:
        return
    _patched = True

    original_create_lb = ELBv2Backend.create_load_balancer
    original_listener = ELBv2Backend.create_listener
    original_register = ELBv2Backend.register_targets
    original_set_type = ELBv2Backend.set_ip_address_type

    def create_load_balancer(self: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("ip_address_type") == "dualstack":
            subnet_ids = list(kwargs.get("subnet_ids") or []) + [
                m["SubnetId"] for m in kwargs.get("subnet_mappings") or []
            ]
            for subnet_id in subnet_ids:
                subnet = self.ec2_backend.get_subnet(subnet_id)
                if not _subnet_has_ipv6(subnet):
                    raise InvalidConfigurationRequest(
                        f"Subnet '{subnet_id}' has no IPv6 CIDR block: a dualstack load "
                        "balancer needs one in each of its subnets"
                    )
        return original_create_lb(self, *args, **kwargs)

    def create_listener(self: Any, *args: Any, **kwargs: Any) -> Any:
        balancer = self.load_balancers.get(kwargs.get("load_balancer_arn"))
        if balancer is not None and balancer.ip_address_type != "dualstack":
            for arn in _forwarded_groups(kwargs.get("actions") or []):
                group = self.target_groups.get(arn)
                if group is not None and group.ip_address_type == "ipv6":
                    raise ValidationError(
                        "IPv6 target groups can only be used with dualstack load balancers"
                    )
        return original_listener(self, *args, **kwargs)

    def register_targets(self: Any, target_group_arn: str, instances: list[Any]) -> None:
        group = self.target_groups.get(target_group_arn)
        if group is not None and group.target_type == "ip":
            version = 6 if group.ip_address_type == "ipv6" else 4
            for target in instances:
                address = ipaddress.ip_address(target["Id"])
                if address.version != version:
                    raise ValidationError(
                        f"The IP address '{target['Id']}' is not an IPv{version} address: "
                        f"targets of this target group must be {group.ip_address_type}"
                    )
        original_register(self, target_group_arn, instances)

    def set_ip_address_type(self: Any, arn: str, ip_type: str) -> None:
        balancer = self.load_balancers.get(arn)
        if balancer is not None and ip_type == "ipv4":
            for listener in balancer.listeners.values():
                for action in listener.default_actions:
                    for group_arn in _forwarded_groups([action.data]):
                        group = self.target_groups.get(group_arn)
                        if group is not None and group.ip_address_type == "ipv6":
                            raise ValidationError(
                                "IPv6 target groups can only be used with dualstack load balancers"
                            )
        original_set_type(self, arn, ip_type)

    ELBv2Backend.create_load_balancer = create_load_balancer  # type: ignore[method-assign]
    ELBv2Backend.create_listener = create_listener  # type: ignore[method-assign]
    ELBv2Backend.register_targets = register_targets  # type: ignore[method-assign]
    ELBv2Backend.set_ip_address_type = set_ip_address_type  # type: ignore[method-assign]


def install(embedded: EmbeddedAws) -> None:
    _patch_moto()
