"""Wait for the fleet (reload mode): does every running task serve the published version?

The state machine calls this in a loop (Wait -> FleetStatus -> Choice) with `attempt`
growing; each call looks once and says how long to wait before the next look. It fails the
run, naming the tasks, as soon as a task rejected the version or when the attempts run out.
"""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from lattice_ingress.adapters.clients import client
from lattice_ingress.adapters.fleet import read_fleet
from lattice_ingress.logic.fleet import assess, describe, next_wait_seconds
from lattice_ingress.models.errors import FleetNotConvergedError, FleetRejectedConfigError
from lattice_ingress.models.fleet import FleetView
from lattice_ingress.models.requests import FleetStatusRequest
from lattice_ingress.models.results import FleetStatusResult
from lattice_ingress.observability import MetricName, logger, metrics
from lattice_ingress.settings import Settings


def look(request: FleetStatusRequest, bucket: str) -> FleetView:
    tasks = read_fleet(client("ecs"), client("s3"), bucket, request.cluster, request.service)
    return assess(request.version_id, tasks)


def fleet_status(request: FleetStatusRequest, settings: Settings) -> FleetStatusResult:
    settings.require("config_bucket")
    view = look(request, settings.config_bucket)
    attempt = request.attempt + 1
    logger.info(
        "fleet status",
        extra={
            "attempt": attempt,
            "expectedVersionId": view.expected_version_id,
            "applied": len(view.applied),
            "pending": view.pending,
            "rejected": view.rejected,
        },
    )
    if view.rejected:
        metrics.add_metric(MetricName.FLEET_TASKS_BEHIND, MetricUnit.Count, len(view.rejected))
        raise FleetRejectedConfigError(describe(view))
    if view.pending and attempt >= request.max_attempts:
        metrics.add_metric(MetricName.FLEET_TASKS_BEHIND, MetricUnit.Count, len(view.pending))
        raise FleetNotConvergedError(f"after {attempt} looks, " + describe(view))
    return FleetStatusResult(
        complete=view.complete,
        attempt=attempt,
        wait_seconds=next_wait_seconds(request.attempt, request.max_wait_seconds),
        expected_version_id=view.expected_version_id,
        tasks=[_summary(t.model_dump(by_alias=True)) for t in view.tasks],
        applied=view.applied,
        pending=view.pending,
        rejected=view.rejected,
    )


def _summary(task: dict[str, object]) -> dict[str, object]:
    report = task.pop("report", None)
    if isinstance(report, dict):
        task.update(
            state=report.get("state"),
            versionId=report.get("versionId"),
            servingVersionId=report.get("servingVersionId"),
            reportedAt=report.get("time"),
        )
    return task
