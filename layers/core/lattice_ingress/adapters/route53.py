"""Route 53 reads and batched writes for one hosted zone."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from lattice_ingress.logic.names import normalise_zone_name
from lattice_ingress.models.dns import AliasTarget, RecordChange, RecordSet
from lattice_ingress.models.errors import (
    HostedZoneError,
    HostedZoneThrottledError,
    InvalidChangeBatchError,
)

PAGE_SIZE = "300"  # ListResourceRecordSets' maximum
THROTTLING_CODES = frozenset({"Throttling", "ThrottlingException", "PriorRequestNotComplete"})
_OCTAL_ESCAPE = re.compile(r"\\(\d{3})")


def zone_name(route53: Any, zone_id: str) -> str:
    """The zone's domain, lower-case, without the root dot."""
    try:
        zone = route53.get_hosted_zone(Id=zone_id)["HostedZone"]
    except (ClientError, BotoCoreError) as exc:
        raise _error(f"cannot read hosted zone {zone_id}: {exc}", exc) from exc
    return normalise_zone_name(zone["Name"])


def zone_name_from_records(records: Sequence[RecordSet]) -> str | None:
    """The zone's name as its SOA record (always at the apex, exactly one) spells it."""
    soa = [record.name for record in records if record.type == "SOA"]
    return normalise_zone_name(soa[0]) if len(soa) == 1 else None


def list_records(route53: Any, zone_id: str) -> list[RecordSet]:
    """Every simple-routing record set of the zone, names normalised like ours."""
    paginator = route53.get_paginator("list_resource_record_sets")
    try:
        return [
            _record(item)
            for page in paginator.paginate(
                HostedZoneId=zone_id, PaginationConfig={"PageSize": PAGE_SIZE}
            )
            for item in page["ResourceRecordSets"]
        ]
    except (ClientError, BotoCoreError) as exc:
        raise _error(f"cannot list the records of zone {zone_id}: {exc}", exc) from exc


def apply_batches(
    route53: Any, zone_id: str, batches: Sequence[Sequence[RecordChange]], comment: str
) -> list[str]:
    """One ChangeResourceRecordSets per batch, in order; returns the change ids. Throttling
    and PriorRequestNotComplete are retried by the client's retry mode."""
    change_ids: list[str] = []
    for number, batch in enumerate(batches, start=1):
        try:
            response = route53.change_resource_record_sets(
                HostedZoneId=zone_id,
                ChangeBatch={
                    "Comment": f"{comment} ({number}/{len(batches)})"[:256],
                    "Changes": [change.to_api() for change in batch],
                },
            )
        except (ClientError, BotoCoreError) as exc:
            message = (
                f"change batch {number}/{len(batches)} for zone {zone_id} failed "
                f"({number - 1} applied): {exc}"
            )
            raise _error(message, exc) from exc
        change_ids.append(response["ChangeInfo"]["Id"])
    return change_ids


def _error(message: str, exc: Exception) -> HostedZoneError:
    """Throttling that outlived botocore's retries gets its own name for the ASL Retry; a
    refused batch its own type, so the caller can isolate the refused change."""
    error = exc.response.get("Error", {}) if isinstance(exc, ClientError) else {}
    code = error.get("Code")
    if code in THROTTLING_CODES:
        return HostedZoneThrottledError(message)
    if code == "InvalidChangeBatch":
        return InvalidChangeBatchError(message, str(error.get("Message", "")))
    return HostedZoneError(message)


def _record(item: dict[str, Any]) -> RecordSet:
    alias = item.get("AliasTarget")
    return RecordSet(
        name=_name(item["Name"]),
        type=item["Type"],
        ttl=item.get("TTL"),
        values=tuple(r["Value"] for r in item.get("ResourceRecords", [])),
        alias=AliasTarget(
            hosted_zone_id=alias["HostedZoneId"],
            dns_name=alias["DNSName"].rstrip(".").lower(),
            evaluate_target_health=alias.get("EvaluateTargetHealth", False),
        )
        if alias
        else None,
    )


def _name(raw: str) -> str:
    # Route 53 returns special characters as \ooo octal escapes (e.g. \052 for '*').
    return _OCTAL_ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), raw).rstrip(".").lower()
