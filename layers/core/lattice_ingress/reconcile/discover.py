"""Read the desired state from the Lattice API and store the catalog in S3 (by reference)."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from lattice_ingress.adapters import route53
from lattice_ingress.adapters.clients import client
from lattice_ingress.adapters.lattice import (
    endpoint_targets,
    list_service_associations,
    service_tag_values,
)
from lattice_ingress.adapters.s3_store import object_key, put_catalog
from lattice_ingress.logic.catalog import build_catalog, catalog_hash
from lattice_ingress.models.catalog import Catalog, S3ObjectRef
from lattice_ingress.models.requests import DiscoverRequest
from lattice_ingress.models.results import DiscoverResult
from lattice_ingress.observability import MetricName, logger, metrics
from lattice_ingress.settings import Settings

# Rejections are listed inline up to this many (the full list is in the catalog object).
INLINE_REJECTED = 100


def discover(request: DiscoverRequest, settings: Settings) -> DiscoverResult:
    settings.require("service_network_id", "consumer_zone_id", "proxy_zone_id", "config_bucket")
    catalog = desired_catalog(settings)
    digest = catalog_hash(catalog)
    ref = S3ObjectRef(
        bucket=settings.config_bucket, key=object_key(settings.catalog_prefix, digest)
    )
    written = put_catalog(client("s3"), ref, catalog)
    logger.info(
        "catalog stored",
        extra={"catalog": ref.key, "written": written, "execution": request.execution_id},
    )

    metrics.add_metric(MetricName.PUBLISHED_SERVICES, MetricUnit.Count, len(catalog.services))
    metrics.add_metric(MetricName.REJECTED_NAMES, MetricUnit.Count, len(catalog.rejected))
    metrics.add_metric(MetricName.EXCLUDED_SERVICES, MetricUnit.Count, catalog.excluded_count)
    metrics.add_metric(MetricName.IN_PROGRESS_SERVICES, MetricUnit.Count, catalog.in_progress_count)
    for rejected in catalog.rejected:
        logger.warning(
            "custom domain rejected", extra={"service": rejected.model_dump(by_alias=True)}
        )
    return DiscoverResult(
        catalog=ref,
        catalog_hash=digest,
        service_count=len(catalog.services),
        in_progress_count=catalog.in_progress_count,
        excluded_count=catalog.excluded_count,
        rejected=list(catalog.rejected[:INLINE_REJECTED]),
        rejected_count=len(catalog.rejected),
    )


def desired_catalog(settings: Settings) -> Catalog:
    """The desired state as the Lattice API describes it now (read-only; the admin CLI's
    status, explain, plan and render use it too, so they show what a pass would do)."""
    zones = [route53.zone_name(client("route53"), z) for z in settings.zone_ids()]
    associations = list_service_associations(client("vpc-lattice"), settings.service_network_id)
    targets = (
        endpoint_targets(client("ec2"), settings.service_network_endpoint_id)
        if settings.service_network_endpoint_id
        else None
    )
    tags = service_tag_values(client("resourcegroupstaggingapi"), settings.publish_tag_key)
    return build_catalog(
        settings.service_network_id,
        associations,
        zones,
        targets,
        publish_tags=tags,
        publish_mode=settings.publish_mode,
    )
