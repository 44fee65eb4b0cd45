"""Render the catalog into nginx.conf and publish it to S3 when (and only when) it changed."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from lattice_ingress.adapters.clients import client
from lattice_ingress.adapters.s3_store import ConfigStore, get_catalog
from lattice_ingress.logic.nginx_config import ProxyOptions, render_nginx_config
from lattice_ingress.logic.render import render_catalog
from lattice_ingress.models.requests import RenderConfigRequest
from lattice_ingress.models.results import RenderResult
from lattice_ingress.observability import MetricName, logger, metrics
from lattice_ingress.reconcile.fencing import fence
from lattice_ingress.settings import Settings


def render_config(request: RenderConfigRequest, settings: Settings) -> RenderResult:
    settings.require("config_bucket", "config_key")
    options = ProxyOptions(**settings.render_options())
    catalog = get_catalog(client("s3"), request.catalog)
    config = render_catalog(catalog, lambda routes: render_nginx_config(routes, options))
    store = ConfigStore(client("s3"), settings.config_bucket, settings.config_key)
    current = store.current()
    current_version = current.version_id if current else None
    changed = current is None or current.sha256 != config.sha256
    version_id = current_version
    if changed and not request.dry_run:
        fence(settings, request.holder)
        version_id = store.publish(config)
        metrics.add_metric(MetricName.CONFIGS_PUBLISHED, MetricUnit.Count, 1)
        if settings.rollout_mode == "redeploy":
            metrics.add_metric(MetricName.ROLLOUTS_STARTED, MetricUnit.Count, 1)
    logger.info(
        "config rendered",
        extra={"changed": changed, "sha256": config.sha256, "versionId": version_id},
    )
    return RenderResult(
        changed=changed,
        dry_run=request.dry_run,
        hash=config.sha256,
        service_count=config.service_count,
        version_id=None if changed and request.dry_run else version_id,
        previous_version_id=current_version if changed else None,
    )
