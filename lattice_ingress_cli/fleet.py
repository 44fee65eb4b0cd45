"""The fleet in `lattice-ingress status`: which config version each proxy task serves.

Read as the control plane reads it (lattice_ingress.adapters.fleet): the proxy service's
running tasks from ECS, each one's last report from fleet/<task id>.json on S3.
"""

from __future__ import annotations

from typing import Any

from lattice_ingress.adapters.clients import client
from lattice_ingress.adapters.fleet import read_fleet
from lattice_ingress.models.errors import FleetReadError
from lattice_ingress_cli.stack import Stack, StackError


def fleet_state(stack: Stack, bucket: str, current_version: str | None) -> list[dict[str, Any]]:
    """One row per running task; `current` = it serves the published config version."""
    try:
        tasks = read_fleet(
            client("ecs"),
            client("s3"),
            bucket,
            stack.output("ClusterName"),
            stack.output("ProxyServiceName"),
        )
    except FleetReadError as exc:
        raise StackError(f"cannot read the fleet: {exc}") from exc
    rows = []
    for task in tasks:
        report = task.report
        rows.append(
            {
                "taskId": task.task_arn.rsplit("/", 1)[-1],
                "taskArn": task.task_arn,
                "startedBy": task.started_by,
                "servingVersionId": report.serving_version_id if report else None,
                "lastDecision": report.state if report else "no report",
                "lastVersionId": report.version_id if report else None,
                "reportedAt": report.time if report else None,
                "current": report is not None and report.serving_version_id == current_version,
            }
        )
    return rows
