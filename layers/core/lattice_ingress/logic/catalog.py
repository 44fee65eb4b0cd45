"""Build the desired catalog from Lattice associations: pure, deterministic, hashable."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping

from lattice_ingress.logic.dns_records import registry_name
from lattice_ingress.logic.names import (
    MAX_NAME_LENGTH,
    host_name_problem,
    in_zone,
    lattice_name_problem,
)
from lattice_ingress.models.catalog import (
    Catalog,
    PublishedService,
    RejectedService,
    ServiceAssociation,
    UpstreamTarget,
)

ACTIVE = "ACTIVE"
CREATE_IN_PROGRESS = "CREATE_IN_PROGRESS"


def build_catalog(
    service_network: str,
    associations: Iterable[ServiceAssociation],
    zone_names: Iterable[str],
    endpoint_targets: Mapping[str, UpstreamTarget] | None = None,
) -> Catalog:
    """Every ACTIVE association with a valid custom domain inside every zone is published.

    `endpoint_targets` (service id -> target) is given in service-network-endpoint mode: a
    service the endpoint does not (yet) expose is rejected rather than pointed at a name the
    ingress VPC cannot reach. Two services claiming one domain are BOTH rejected: there is
    no safe way to pick the owner, and publishing either would route one service's clients
    to the other."""
    zones = list(zone_names)
    candidates: list[PublishedService] = []
    rejected: list[RejectedService] = []
    in_progress = 0
    for assoc in associations:
        if assoc.status == CREATE_IN_PROGRESS:
            in_progress += 1
            continue
        if assoc.status != ACTIVE or not assoc.custom_domain_name:
            continue
        domain = assoc.custom_domain_name
        problem = _domain_problem(domain, zones)
        target = _target(assoc, endpoint_targets)
        if problem is None and target is None:
            problem = (
                "has no DNS name on the service network endpoint"
                if endpoint_targets is not None
                else "has no Lattice-generated DNS name"
            )
        if problem is None:
            assert target is not None
            upstream_problem = lattice_name_problem(target.dns_name.rstrip(".").lower())
            if upstream_problem is not None:
                problem = f"target {target.dns_name!a} {upstream_problem}"
        if problem is not None:
            rejected.append(_reject(assoc, domain, problem))
            continue
        assert target is not None
        candidates.append(
            PublishedService(
                service_id=assoc.service_id,
                service_name=assoc.service_name,
                domain=domain,
                upstream=target.dns_name.rstrip(".").lower(),
                upstream_zone_id=target.hosted_zone_id,
            )
        )
    published, duplicates = _split_duplicates(candidates)
    rejected.extend(duplicates)
    return Catalog(
        service_network=service_network,
        services=tuple(sorted(published, key=lambda s: (s.domain, s.service_id))),
        rejected=tuple(sorted(rejected, key=lambda r: (r.domain, r.service_id))),
        in_progress_count=in_progress,
    )


def catalog_hash(catalog: Catalog) -> str:
    """SHA-256 of the canonical JSON form: equal desired states give equal hashes."""
    canonical = json.dumps(
        catalog.model_dump(mode="json", by_alias=True), sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _domain_problem(domain: str, zones: list[str]) -> str | None:
    problem = host_name_problem(domain)
    if problem is not None:
        return f"custom domain {problem}"
    # Route 53 refuses a name over 255 octets on the wire (253 characters) with the whole
    # batch, so the ownership TXT name must fit as well as the domain itself.
    txt_length = len(registry_name(domain))
    if txt_length > MAX_NAME_LENGTH:
        return (
            f"custom domain is too long for its ownership record: {registry_name('<domain>')} "
            f"would be {txt_length} characters, Route 53 takes at most {MAX_NAME_LENGTH}"
        )
    outside = [zone for zone in zones if not in_zone(domain, zone)]
    if outside:
        return f"custom domain is outside the hosted zone {outside[0].rstrip('.')}"
    return None


def _target(
    assoc: ServiceAssociation, endpoint_targets: Mapping[str, UpstreamTarget] | None
) -> UpstreamTarget | None:
    if endpoint_targets is not None:
        return endpoint_targets.get(assoc.service_id)
    entry = assoc.dns_entry
    if entry is None or not entry.domain_name:
        return None
    return UpstreamTarget(dns_name=entry.domain_name, hosted_zone_id=entry.hosted_zone_id)


def _reject(assoc: ServiceAssociation, domain: str, reason: str) -> RejectedService:
    return RejectedService(
        service_id=assoc.service_id,
        service_name=assoc.service_name,
        # repr-escaped so a hostile name cannot inject lines into logs or summaries
        domain=domain if host_name_problem(domain) is None else ascii(domain)[1:-1],
        reason=reason,
    )


def _split_duplicates(
    candidates: list[PublishedService],
) -> tuple[list[PublishedService], list[RejectedService]]:
    by_domain: dict[str, list[PublishedService]] = defaultdict(list)
    for service in candidates:
        by_domain[service.domain].append(service)
    published: list[PublishedService] = []
    rejected: list[RejectedService] = []
    for domain, claimants in by_domain.items():
        # The same service associated twice (two networks) is one claimant, not a clash.
        if len({s.service_id for s in claimants}) == 1:
            published.append(claimants[0])
            continue
        ids = ", ".join(sorted({s.service_id for s in claimants}))
        rejected.extend(
            RejectedService(
                service_id=s.service_id,
                service_name=s.service_name,
                domain=domain,
                reason=f"custom domain is claimed by more than one service ({ids})",
            )
            for s in claimants
        )
    return published, rejected
