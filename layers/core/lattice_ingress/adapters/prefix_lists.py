"""EC2 managed prefix lists: read a list's entries (paginated) and move it to a wanted set
with versioned ModifyManagedPrefixList calls."""

from __future__ import annotations

import time
from typing import Any

from lattice_ingress.adapters.clients import client
from lattice_ingress.logic.client_prefix_lists import batches
from lattice_ingress.observability import logger

# A modification leaves the list "modify-in-progress"; the next one is refused
# (IncorrectState) until it is "modify-complete". No waiter exists for prefix lists.
_SETTLE_SECONDS = 120.0
_POLL_SECONDS = 1.0
_DESCRIPTION = "lattice-ingress AllowedClientCidrs"


def _describe(ec2: Any, prefix_list_id: str) -> dict[str, Any]:
    lists = ec2.describe_managed_prefix_lists(PrefixListIds=[prefix_list_id])["PrefixLists"]
    return dict(lists[0])


def _settled(ec2: Any, prefix_list_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + _SETTLE_SECONDS
    while True:
        described = _describe(ec2, prefix_list_id)
        state = str(described.get("State", ""))
        if not state.endswith("in-progress"):
            if state.endswith("failed"):
                raise RuntimeError(
                    f"prefix list {prefix_list_id} is {state}: {described.get('StateMessage', '')}"
                )
            return described
        if time.monotonic() > deadline:
            raise TimeoutError(f"prefix list {prefix_list_id} still {state}")
        time.sleep(_POLL_SECONDS)


def entries(prefix_list_id: str) -> list[str]:
    paginator = client("ec2").get_paginator("get_managed_prefix_list_entries")
    return [
        entry["Cidr"]
        for page in paginator.paginate(PrefixListId=prefix_list_id)
        for entry in page.get("Entries", [])
    ]


def set_entries(prefix_list_id: str, wanted: list[str]) -> int:
    """Make the list hold exactly `wanted`; returns the number of calls made."""
    ec2 = client("ec2")
    described = _settled(ec2, prefix_list_id)
    calls = batches(entries(prefix_list_id), wanted, int(described["MaxEntries"]))
    for call in calls:
        request: dict[str, Any] = {
            "PrefixListId": prefix_list_id,
            "CurrentVersion": int(described["Version"]),
        }
        if call.add:
            request["AddEntries"] = [{"Cidr": c, "Description": _DESCRIPTION} for c in call.add]
        if call.remove:
            request["RemoveEntries"] = [{"Cidr": c} for c in call.remove]
        ec2.modify_managed_prefix_list(**request)
        described = _settled(ec2, prefix_list_id)
    logger.info(
        "prefix list entries set",
        extra={"prefixListId": prefix_list_id, "entries": len(wanted), "calls": len(calls)},
    )
    return len(calls)
