"""Catalog building: ACTIVE services with valid in-zone domains are published; the rest
are rejected with a reason or counted as in progress, never blocking the others."""

from __future__ import annotations

from lattice_ingress.logic.catalog import build_catalog, catalog_hash
from lattice_ingress.models.catalog import ServiceAssociation, UpstreamTarget

ZONES = ["example.com.", "example.com."]


def assoc(
    service_id: str,
    domain: str | None,
    status: str = "ACTIVE",
    dns: str | None = "auto",
) -> ServiceAssociation:
    body: dict[str, object] = {"serviceId": service_id, "status": status}
    if domain is not None:
        body["customDomainName"] = domain
    if dns == "auto":
        dns = f"{service_id}.7d67968.vpc-lattice-svcs.us-east-1.on.aws"
    if dns is not None:
        body["dnsEntry"] = {"domainName": dns, "hostedZoneId": "ZLATTICE"}
    return ServiceAssociation.model_validate(body)


def test_given_active_service_when_built_then_published_with_lattice_target() -> None:
    catalog = build_catalog("sn-1", [assoc("svc-1", "orders.example.com")], ZONES)

    assert [s.domain for s in catalog.services] == ["orders.example.com"]
    assert catalog.services[0].upstream == "svc-1.7d67968.vpc-lattice-svcs.us-east-1.on.aws"
    assert catalog.services[0].upstream_zone_id == "ZLATTICE"
    assert catalog.rejected == ()


def test_given_bad_and_good_services_when_built_then_only_bad_is_rejected() -> None:
    catalog = build_catalog(
        "sn-1",
        [
            assoc("svc-good", "good.example.com"),
            assoc("svc-bad", "bad;name.example.com"),
            assoc("svc-out", "orders.other.net"),
        ],
        ZONES,
    )

    assert [s.service_id for s in catalog.services] == ["svc-good"]
    reasons = {r.service_id: r.reason for r in catalog.rejected}
    assert "invalid label" in reasons["svc-bad"]
    assert "outside the hosted zone example.com" in reasons["svc-out"]


def test_given_create_in_progress_when_built_then_counted_not_published() -> None:
    catalog = build_catalog(
        "sn-1", [assoc("svc-1", "orders.example.com", status="CREATE_IN_PROGRESS")], ZONES
    )

    assert catalog.services == ()
    assert catalog.in_progress_count == 1


def test_given_failed_deleting_or_domainless_when_built_then_ignored() -> None:
    catalog = build_catalog(
        "sn-1",
        [
            assoc("svc-1", "a.example.com", status="DELETE_IN_PROGRESS"),
            assoc("svc-2", "b.example.com", status="CREATE_FAILED"),
            assoc("svc-3", None),
        ],
        ZONES,
    )

    assert catalog.services == () and catalog.rejected == () and catalog.in_progress_count == 0


def test_given_two_services_claim_one_domain_when_built_then_both_rejected() -> None:
    catalog = build_catalog(
        "sn-1",
        [
            assoc("svc-a", "shared.example.com"),
            assoc("svc-b", "shared.example.com"),
            assoc("svc-c", "other.example.com"),
        ],
        ZONES,
    )

    assert [s.service_id for s in catalog.services] == ["svc-c"]
    assert sorted(r.service_id for r in catalog.rejected) == ["svc-a", "svc-b"]
    assert all("more than one service" in r.reason for r in catalog.rejected)


def test_given_same_service_listed_twice_when_built_then_published_once() -> None:
    catalog = build_catalog(
        "sn-1", [assoc("svc-a", "a.example.com"), assoc("svc-a", "a.example.com")], ZONES
    )

    assert len(catalog.services) == 1 and catalog.rejected == ()


def test_given_endpoint_mode_when_built_then_target_is_endpoint_name() -> None:
    endpoint_name = "VPCE-1-SNSA-1.7d67968.vpc-lattice-svcs.us-east-1.on.aws."
    targets = {"svc-1": UpstreamTarget(dns_name=endpoint_name, hosted_zone_id="ZE")}

    catalog = build_catalog(
        "sn-1",
        [assoc("svc-1", "a.example.com"), assoc("svc-2", "b.example.com")],
        ZONES,
        endpoint_targets=targets,
    )

    assert catalog.routes() == {
        "a.example.com": "vpce-1-snsa-1.7d67968.vpc-lattice-svcs.us-east-1.on.aws"
    }
    assert catalog.rejected[0].service_id == "svc-2"
    assert "service network endpoint" in catalog.rejected[0].reason


def test_given_no_dns_entry_when_built_then_rejected() -> None:
    catalog = build_catalog("sn-1", [assoc("svc-1", "a.example.com", dns=None)], ZONES)

    assert catalog.services == ()
    assert "no Lattice-generated DNS name" in catalog.rejected[0].reason


def test_given_hostile_name_when_rejected_then_reported_name_is_escaped() -> None:
    catalog = build_catalog("sn-1", [assoc("svc-1", "a.example.com\nX-Injected: 1")], ZONES)

    assert "\n" not in catalog.rejected[0].domain
    assert "\\n" in catalog.rejected[0].domain


def test_given_same_services_in_any_order_when_hashed_then_hash_is_equal() -> None:
    items = [assoc("svc-1", "a.example.com"), assoc("svc-2", "b.example.com")]

    first = build_catalog("sn-1", items, ZONES)
    second = build_catalog("sn-1", list(reversed(items)), ZONES)
    third = build_catalog("sn-1", items[:1], ZONES)

    assert catalog_hash(first) == catalog_hash(second)
    assert catalog_hash(first) != catalog_hash(third)


def _domain_of_length(length: int, zone: str = "example.com") -> str:
    labels: list[str] = []
    while len(name := ".".join([*labels, zone])) < length:
        labels.append("a" * min(63, length - len(name) - 1))
    return name


def test_given_domain_whose_ownership_name_exceeds_route53_limit_then_rejected_with_reason() -> (
    None
):
    too_long = _domain_of_length(250)  # a valid host name; its TXT name would be 267
    longest = _domain_of_length(236)  # `_lattice-ingress.` + 236 = 253, Route 53's maximum

    catalog = build_catalog(
        "sn-1", [assoc("svc-long", too_long), assoc("svc-fits", longest)], ["example.com"]
    )

    assert [s.domain for s in catalog.services] == [longest]
    assert [r.service_id for r in catalog.rejected] == ["svc-long"]
    reason = catalog.rejected[0].reason
    assert "ownership record" in reason and "267 characters" in reason and "253" in reason


def test_given_a_target_that_is_not_a_lattice_name_when_built_then_rejected() -> None:
    # Only Lattice-generated names may become upstreams: whatever else an API answer (or a
    # compromised one) carries must never reach the config.
    catalog = build_catalog(
        "sn-1",
        [
            assoc("svc-good", "good.example.com"),
            assoc("svc-evil", "evil.example.com", dns="attacker.example.net"),
            assoc("svc-inject", "inject.example.com", dns="x.on.aws;\n proxy_pass y"),
        ],
        ZONES,
    )

    assert [s.service_id for s in catalog.services] == ["svc-good"]
    reasons = {r.service_id: r.reason for r in catalog.rejected}
    assert "is not a VPC Lattice DNS name" in reasons["svc-evil"]
    assert "control characters" in reasons["svc-inject"]
