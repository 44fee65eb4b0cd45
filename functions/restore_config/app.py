"""After a failed rollout, make the previous config version current again, but only over
the version this run itself published (never over a newer run's config)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from lattice_ingress.adapters.clients import client
from lattice_ingress.adapters.s3_store import ConfigStore
from lattice_ingress.models.requests import RestoreConfigRequest
from lattice_ingress.models.results import RestoreResult
from lattice_ingress.observability import MetricName, logger, metrics, tracer
from lattice_ingress.reconcile.fencing import fence
from lattice_ingress.settings import get_settings


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = parse(event=event, model=RestoreConfigRequest)
    settings = get_settings()
    settings.require("config_bucket", "config_key")
    metrics.add_metric(MetricName.ROLLOUTS_FAILED, MetricUnit.Count, 1)
    if not request.version_id:
        # The first config ever failed: there is nothing older to go back to.
        logger.warning("rollout failed and no previous config version exists")
        return RestoreResult(restored_version_id=None, skipped="no previous version").to_output()
    store = ConfigStore(client("s3"), settings.config_bucket, settings.config_key)
    fence(settings, request.holder)
    current = store.current()
    current_version = current.version_id if current else None
    if current_version != request.published_version_id:
        # Someone else's config is current: restoring ours would undo theirs.
        logger.warning(
            "config changed since this run published it; not restored",
            extra={"published": request.published_version_id, "current": current_version},
        )
        return RestoreResult(
            restored_version_id=None,
            skipped=f"current version {current_version} is not this run's",
        ).to_output()
    restored = store.restore(request.version_id)
    logger.warning(
        "previous config restored",
        extra={"fromVersionId": request.version_id, "restoredVersionId": restored},
    )
    return RestoreResult(restored_version_id=restored).to_output()
