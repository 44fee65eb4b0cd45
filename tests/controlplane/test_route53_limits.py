"""What Route 53 refuses never freezes the other services: real ASL, real handlers, and the
embedded Route 53 as strict as AWS (InvalidChangeBatch rejects a whole batch).

Own module (own deployment): the apex service below stays published, and no other test
should see it."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytestmark = pytest.mark.timeout(600)


def _output(description: dict[str, Any]) -> dict[str, Any]:
    assert description["status"] == "SUCCEEDED", description.get("cause")
    return dict(json.loads(description["output"]))


def _zone(output: dict[str, Any], zone: str) -> dict[str, Any]:
    return next(z for z in output["zones"] if z["zone"] == zone)


def _long_domain(control_plane: Any, length: int) -> str:
    """A valid host name of `length` characters under the zone (labels of at most 63)."""
    labels = [control_plane.unique("long")]
    while len(name := ".".join([*labels, control_plane.domain])) < length:
        labels.append("x" * min(63, length - len(name) - 1))
    return name


def test_given_250_character_domain_when_reconciled_then_rejected_and_others_published(
    control_plane,
):
    too_long = _long_domain(control_plane, 250)  # its ownership TXT name would be 267
    assert len(too_long) == 250
    good = f"{control_plane.unique('beside-long')}.{control_plane.domain}"
    control_plane.create_service(control_plane.unique("long"), too_long)
    control_plane.create_service(control_plane.unique("beside-long"), good)
    control_plane.wait_idle()

    output = _output(control_plane.reconcile({}))

    rejected = {r["domain"]: r["reason"] for r in output["rejected"]}
    assert "ownership record" in rejected[too_long]
    for zone_id in (control_plane.consumer_zone_id, control_plane.proxy_zone_id):
        assert control_plane.record_target(zone_id, good) is not None
        assert all(name != too_long for name, _ in control_plane.records(zone_id))
    config = control_plane.config_text()
    assert good in config
    assert too_long not in config


def test_given_change_route53_refuses_when_reconciled_then_only_that_name_is_rejected(
    control_plane,
):
    # A foreign CNAME at the ownership name passes the plan (the name itself is free) but
    # Route 53 refuses our TXT beside it: the batch is refused whole, then split.
    victim = f"{control_plane.unique('squatted')}.{control_plane.domain}"
    neighbours = [f"{control_plane.unique('neighbour')}.{control_plane.domain}" for _ in range(3)]
    control_plane.put_record(
        control_plane.consumer_zone_id, f"_lattice-ingress.{victim}", "CNAME", "squatter.test"
    )
    control_plane.create_service(control_plane.unique("squatted"), victim)
    for domain in neighbours:
        control_plane.create_service(domain.split(".")[0], domain)
    control_plane.wait_idle()

    output = _output(control_plane.reconcile({}))

    consumer_rejected = {e["name"]: e["reason"] for e in _zone(output, "consumer")["rejected"]}
    assert "Route 53 refused the change" in consumer_rejected[victim]
    assert "conflicting RRSet of type CNAME" in consumer_rejected[victim]
    assert control_plane.record_target(control_plane.consumer_zone_id, victim) is None
    for domain in neighbours:
        assert control_plane.record_target(control_plane.consumer_zone_id, domain) is not None
    # The proxy zone and the config were not held back by the consumer zone's refusal.
    assert control_plane.record_target(control_plane.proxy_zone_id, victim) is not None
    config = control_plane.config_text()
    assert all(domain in config for domain in [victim, *neighbours])


def test_given_service_at_zone_apex_when_reconciled_then_published_beside_soa_and_ns(
    control_plane,
):
    apex = control_plane.domain
    service_id = control_plane.create_service(control_plane.unique("apex"), apex)
    control_plane.wait_idle()

    output = _output(control_plane.reconcile({}))

    assert apex not in {r["domain"] for r in output["rejected"]}
    consumer = control_plane.records(control_plane.consumer_zone_id)
    assert {(apex, "SOA"), (apex, "NS"), (apex, "A")} <= set(consumer)
    assert (apex, "CNAME") not in consumer
    assert consumer[(apex, "A")]["AliasTarget"]["DNSName"].rstrip(".").lower() == (
        control_plane.consumer_target.lower().rstrip(".")
    )
    # The proxy zone's apex aliases the Lattice name, A and AAAA, so it answers both
    # families exactly as the CNAME it replaces would.
    proxy = control_plane.records(control_plane.proxy_zone_id)
    lattice_name = control_plane.service_dns_name(service_id)
    for record_type in ("A", "AAAA"):
        alias = proxy[(apex, record_type)]["AliasTarget"]
        assert alias["DNSName"].rstrip(".").lower() == lattice_name
    assert {(apex, "SOA"), (apex, "NS")} <= set(proxy)
    assert f"_lattice-ingress.{apex}" in {name for name, _ in proxy}
    assert apex in control_plane.config_text()
