"""AllowedClientCidrs as two customer-managed prefix lists (one per address family): which
entries each list must hold, and the ModifyManagedPrefixList batches that get it there.

Pure logic. The NGINX allow-list is rendered from the same parameter, so both enforce the
same set (the security groups at the NLB, NGINX on the PROXY-header address)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

IPV4, IPV6 = "IPv4", "IPv6"
# ModifyManagedPrefixList takes at most 100 AddEntry and 100 RemoveEntry items per call.
ENTRIES_PER_CALL = 100


def by_family(cidrs: Iterable[str]) -> dict[str, list[str]]:
    """The client CIDRs split by family, deduplicated, in a stable order. A CIDR with host
    bits set is refused here, as the NGINX config model refuses it, so both lists agree."""
    families: dict[str, set[str]] = {IPV4: set(), IPV6: set()}
    for text in cidrs:
        if not text.strip():
            continue
        network = ipaddress.ip_network(text.strip(), strict=True)
        families[IPV4 if network.version == 4 else IPV6].add(str(network))
    return {family: sorted(members) for family, members in families.items()}


@dataclass(frozen=True)
class Batch:
    add: list[str]
    remove: list[str]


def batches(current: Iterable[str], wanted: Iterable[str], max_entries: int) -> list[Batch]:
    """The ModifyManagedPrefixList calls that turn `current` into `wanted`: removals first,
    so the list never holds more than max(len(current), len(wanted)) entries on the way."""
    have = {str(ipaddress.ip_network(c)) for c in current}
    want = {str(ipaddress.ip_network(c)) for c in wanted}
    if len(want) > max_entries:
        raise ValueError(
            f"{len(want)} client CIDRs of one family exceed the prefix list's MaxEntries "
            f"({max_entries}); raise ClientCidrPrefixListMaxEntries"
        )
    gone, new = sorted(have - want), sorted(want - have)
    calls = [
        Batch(add=[], remove=gone[i : i + ENTRIES_PER_CALL])
        for i in range(0, len(gone), ENTRIES_PER_CALL)
    ]
    calls += [
        Batch(add=new[i : i + ENTRIES_PER_CALL], remove=[])
        for i in range(0, len(new), ENTRIES_PER_CALL)
    ]
    return calls
