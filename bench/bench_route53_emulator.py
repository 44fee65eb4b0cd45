"""The embedded Route 53's strict ChangeResourceRecordSets at the control plane's scale;
prints one JSON document.

Writes 5,008 names as the control plane does (a CNAME and its ownership TXT each, 626
changes a batch, 16 batches: 10,016 record sets) into one zone, then sends one batch that
Route 53 must refuse whole (one CREATE over an existing name), and checks it changed
nothing. Every batch is validated against the whole zone, so this bounds what validation
costs the 5,000-service runs of bench_controlplane.py.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from botocore.exceptions import ClientError

from embedded_aws.server import EmbeddedAws

BATCHES = 16
NAMES_PER_BATCH = 313
NLB = "nlb-0123456789abcdef.elb.us-east-1.amazonaws.com"


def _changes(first: int, count: int, zone: str) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    for i in range(first, first + count):
        name = f"s{i:05d}.{zone}"
        for record_name, record_type, value in (
            (name, "CNAME", NLB),
            (f"_lattice-ingress.{name}", "TXT", f'"heritage=lattice-ingress,service=svc-{i}"'),
        ):
            changes.append(
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": record_name,
                        "Type": record_type,
                        "TTL": 300,
                        "ResourceRecords": [{"Value": value}],
                    },
                }
            )
    return changes


def main() -> None:
    logging.disable(logging.CRITICAL)
    zone = "bench.example.test"
    with EmbeddedAws() as embedded:
        route53 = embedded.client("route53")
        zone_id = route53.create_hosted_zone(Name=zone, CallerReference="bench")["HostedZone"]["Id"]
        started = time.monotonic()
        for batch in range(BATCHES):
            route53.change_resource_record_sets(
                HostedZoneId=zone_id,
                ChangeBatch={"Changes": _changes(batch * NAMES_PER_BATCH, NAMES_PER_BATCH, zone)},
            )
        written = time.monotonic() - started

        refused_batch = _changes(BATCHES * NAMES_PER_BATCH, NAMES_PER_BATCH - 1, zone)
        refused_batch += _changes(0, 1, zone)  # already exists: the whole batch is refused
        started = time.monotonic()
        try:
            route53.change_resource_record_sets(
                HostedZoneId=zone_id, ChangeBatch={"Changes": refused_batch}
            )
            refused = False
        except ClientError as exc:
            refused = exc.response["Error"]["Code"] == "InvalidChangeBatch"
        refusal = time.monotonic() - started
        count = route53.get_hosted_zone(Id=zone_id)["HostedZone"]["ResourceRecordSetCount"]

    print(
        json.dumps(
            {
                "batches": BATCHES,
                "record_sets_written": BATCHES * NAMES_PER_BATCH * 2,
                "write_seconds": round(written, 2),
                "refused_whole": refused,
                "refusal_seconds": round(refusal, 2),
                "record_sets_after_refusal": count,  # the 10,016 written + SOA + NS
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
