"""EC2 managed prefix lists and security group rule quotas as AWS enforces them.

moto 5.2.x accepts any prefix list: no MaxEntries, entries of the other family, more
entries than MaxEntries, a stale CurrentVersion; ModifyManagedPrefixList without a name
erases the name; a security group rule may reference a prefix list that does not exist, and
such a rule weighs nothing against the rules quota. Here, as in AWS:

- CreateManagedPrefixList needs AddressFamily IPv4|IPv6 and MaxEntries 1..1000
  (InvalidParameterValue), and at most MaxEntries entries (PrefixListMaxEntriesExceeded);
- every entry must be a CIDR of the list's family (InvalidParameterValue);
- ModifyManagedPrefixList with a CurrentVersion other than the list's is refused
  (PrefixListVersionMismatch), and so is a result above MaxEntries (PrefixListMaxEntriesExceeded);
- a rule that references a missing prefix list is refused (InvalidPrefixListID.NotFound);
- the rules quota (60 inbound and 60 outbound per group, counted separately for IPv4 and
  IPv6) counts a prefix-list rule as its list's MaxEntries rules of the list's family
  (RulesPerSecurityGroupLimitExceeded). A rule referencing a security group counts as one
  IPv4 rule.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from moto.ec2.exceptions import EC2ClientError, RulesPerSecurityGroupLimitExceededError
from moto.ec2.models import EC2Backend

if TYPE_CHECKING:
    from embedded_aws.server import EmbeddedAws

MAX_ENTRIES_LIMIT = 1000  # "Maximum number of entries per prefix list" (VPC quotas)
RULES_PER_GROUP = 60  # default "Inbound or outbound rules per security group", per family

_patched = False


def _invalid(message: str) -> EC2ClientError:
    return EC2ClientError("InvalidParameterValue", message)


def _check_entries(family: str, cidrs: Iterable[str]) -> None:
    version = 4 if family == "IPv4" else 6
    for cidr in cidrs:
        try:
            network = ipaddress.ip_network(cidr, strict=False)
        except ValueError as exc:
            raise _invalid(f"The CIDR '{cidr}' is invalid.") from exc
        if network.version != version:
            raise _invalid(
                f"The CIDR '{cidr}' does not match the address family of the prefix list "
                f"({family})."
            )


def _exceeded(max_entries: int) -> EC2ClientError:
    return EC2ClientError(
        "PrefixListMaxEntriesExceeded",
        f"The prefix list would exceed its maximum number of entries ({max_entries}).",
    )


def _current_cidrs(pl: Any) -> list[str]:
    if not pl.entries:
        return []
    return [e["Cidr"] for e in pl.entries.get(pl.version, [])]


def _weights(backend: Any, rules: Iterable[Any]) -> dict[int, int]:
    """Rules of a group (moto SecurityGroupRule objects) as quota units per IP version."""
    weight = {4: 0, 6: 0}
    for rule in rules:
        if rule.prefix_list_id:
            pl = backend.managed_prefix_lists.get(rule.prefix_list_id)
            if pl is not None:
                version = 6 if pl.address_family == "IPv6" else 4
                weight[version] += int(pl.max_entries or len(_current_cidrs(pl)) or 1)
        elif rule.ip_range and "CidrIpv6" in rule.ip_range:
            weight[6] += 1
        else:
            weight[4] += 1
    return weight


def _patch_moto() -> None:
    global _patched
    if _patched:
        return
    _patched = True

    original_create = EC2Backend.create_managed_prefix_list
    original_modify = EC2Backend.modify_managed_prefix_list
    original_ingress = EC2Backend.authorize_security_group_ingress
    original_egress = EC2Backend.authorize_security_group_egress

    def create_managed_prefix_list(self: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("owner_id") == "AWS":  # moto's own AWS-managed lists (s3, lattice...)
            return original_create(self, *args, **kwargs)
        family = kwargs.get("address_family")
        if family not in ("IPv4", "IPv6"):
            raise _invalid(f"Invalid value '{family}' for AddressFamily. Valid: IPv4, IPv6.")
        max_entries = kwargs.get("max_entries")
        if max_entries in (None, "") or not 1 <= int(max_entries) <= MAX_ENTRIES_LIMIT:
            raise _invalid(f"MaxEntries must be between 1 and {MAX_ENTRIES_LIMIT}.")
        entries = kwargs.get("entry") or []
        _check_entries(family, [e["Cidr"] for e in entries])
        if len(entries) > int(max_entries):
            raise _exceeded(int(max_entries))
        return original_create(self, *args, **kwargs)

    def modify_managed_prefix_list(self: Any, *args: Any, **kwargs: Any) -> Any:
        pl = self.managed_prefix_lists.get(kwargs.get("prefix_list_id"))
        if pl is None:
            raise EC2ClientError(
                "InvalidPrefixListID.NotFound",
                f"The prefix list ID '{kwargs.get('prefix_list_id')}' does not exist",
            )
        add, remove = kwargs.get("add_entry") or [], kwargs.get("remove_entry") or []
        current = kwargs.get("current_version")
        if (add or remove) and current is not None and int(current) != int(pl.version):
            raise EC2ClientError(
                "PrefixListVersionMismatch",
                f"The prefix list has the incorrect version number (current {pl.version}).",
            )
        _check_entries(pl.address_family, [e["Cidr"] for e in add])
        gone = {e["Cidr"] for e in remove}
        result = {c for c in _current_cidrs(pl) if c not in gone} | {e["Cidr"] for e in add}
        if pl.max_entries and len(result) > int(pl.max_entries):
            raise _exceeded(int(pl.max_entries))
        if kwargs.get("prefix_list_name") is None:  # moto would erase the name
            kwargs["prefix_list_name"] = pl.prefix_list_name
        return original_modify(self, *args, **kwargs)

    def _guard(self: Any, group_id: str, kwargs: dict[str, Any], egress: bool) -> None:
        added = kwargs.get("prefix_list_ids") or []
        for ref in added:
            if ref["PrefixListId"] not in self.managed_prefix_lists:
                raise EC2ClientError(
                    "InvalidPrefixListID.NotFound",
                    f"The prefix list ID '{ref['PrefixListId']}' does not exist",
                )
        group = self.get_security_group_by_name_or_id(group_id, kwargs.get("vpc_id"))
        if group is None:
            return  # moto answers InvalidGroup.NotFound
        weight = _weights(self, group.egress_rules if egress else group.ingress_rules)
        for ip_range in kwargs.get("ip_ranges") or []:
            weight[6 if isinstance(ip_range, dict) and "CidrIpv6" in ip_range else 4] += 1
        weight[4] += len(kwargs.get("source_groups") or [])
        for ref in added:
            pl = self.managed_prefix_lists[ref["PrefixListId"]]
            version = 6 if pl.address_family == "IPv6" else 4
            weight[version] += int(pl.max_entries or len(_current_cidrs(pl)) or 1)
        if max(weight.values()) > RULES_PER_GROUP:
            raise RulesPerSecurityGroupLimitExceededError()

    def authorize_security_group_ingress(
        self: Any, group_name_or_id: str, *a: Any, **kw: Any
    ) -> Any:
        _guard(self, group_name_or_id, _named(a, kw), egress=False)
        return original_ingress(self, group_name_or_id, *a, **kw)

    def authorize_security_group_egress(
        self: Any, group_name_or_id: str, *a: Any, **kw: Any
    ) -> Any:
        _guard(self, group_name_or_id, _named(a, kw), egress=True)
        return original_egress(self, group_name_or_id, *a, **kw)

    EC2Backend.create_managed_prefix_list = create_managed_prefix_list  # type: ignore[method-assign]
    EC2Backend.modify_managed_prefix_list = modify_managed_prefix_list  # type: ignore[method-assign]
    EC2Backend.authorize_security_group_ingress = authorize_security_group_ingress  # type: ignore[method-assign]
    EC2Backend.authorize_security_group_egress = authorize_security_group_egress  # type: ignore[method-assign]


_POSITIONAL = ("ip_protocol", "from_port", "to_port", "ip_ranges")


def _named(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """moto's authorize_* take (group, ip_protocol, from_port, to_port, ip_ranges, ...)
    positionally or by name: one dict of the parameters the quota check reads."""
    return {**dict(zip(_POSITIONAL, args, strict=False)), **kwargs}


def install(embedded: EmbeddedAws) -> None:
    _patch_moto()
