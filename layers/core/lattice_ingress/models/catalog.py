"""The desired state computed by `discover`: what is published and what is rejected."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class DnsEntry(_Model):
    domain_name: str | None = None
    hosted_zone_id: str | None = None


class ServiceAssociation(_Model):
    """One item of ListServiceNetworkServiceAssociations (only the fields we use)."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore"
    )

    service_id: str
    service_name: str | None = None
    service_arn: str | None = None
    status: str
    custom_domain_name: str | None = None
    dns_entry: DnsEntry | None = None


class UpstreamTarget(_Model):
    """Where the proxy zone points a custom domain: the Lattice-generated name, or the
    service network endpoint's per-service name, plus its hosted zone (for ALIAS)."""

    dns_name: str
    hosted_zone_id: str | None = None


class PublishedService(_Model):
    service_id: str
    service_name: str | None = None
    domain: str
    upstream: str
    upstream_zone_id: str | None = None


class RejectedService(_Model):
    service_id: str
    service_name: str | None = None
    domain: str
    reason: str


class Catalog(_Model):
    """Sorted by domain so that equal desired states serialise (and hash) identically."""

    service_network: str
    services: tuple[PublishedService, ...] = ()
    rejected: tuple[RejectedService, ...] = ()
    in_progress_count: int = 0
    # Left out by the publish tag or PublishMode (not an error: nothing is logged per service).
    excluded_count: int = 0

    def routes(self) -> dict[str, str]:
        """Published custom domain -> upstream DNS name (what NGINX forwards to)."""
        return {service.domain: service.upstream for service in self.services}


class S3ObjectRef(_Model):
    """A catalog or large plan travels between states by reference (256 KB payload cap)."""

    bucket: str
    key: str
