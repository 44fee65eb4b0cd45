"""Read the fleet: the proxy service's running tasks (ECS) and their reports (S3 fleet/)."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from lattice_ingress.models.errors import FleetReadError
from lattice_ingress.models.fleet import FleetTask, TaskReport

FLEET_PREFIX = "fleet/"
_DESCRIBE_BATCH = 100  # DescribeTasks takes at most 100 tasks per call


def running_tasks(ecs: Any, cluster: str, service: str) -> list[FleetTask]:
    """The service's tasks whose desired status is RUNNING, paginated."""
    try:
        arns = [
            arn
            for page in ecs.get_paginator("list_tasks").paginate(
                cluster=cluster,
                serviceName=service,
                desiredStatus="RUNNING",
                PaginationConfig={"PageSize": 100},
            )
            for arn in page.get("taskArns", [])
        ]
        tasks: list[FleetTask] = []
        for start in range(0, len(arns), _DESCRIBE_BATCH):
            described = ecs.describe_tasks(
                cluster=cluster, tasks=arns[start : start + _DESCRIBE_BATCH]
            )
            tasks.extend(
                FleetTask(
                    task_arn=item["taskArn"],
                    started_by=item.get("startedBy", ""),
                    last_status=item.get("lastStatus", ""),
                )
                for item in described.get("tasks", [])
            )
    except (ClientError, BotoCoreError) as exc:
        raise FleetReadError(f"could not list the tasks of {cluster}/{service}: {exc}") from exc
    return sorted(tasks, key=lambda t: t.task_arn)


def report_key(task_arn: str) -> str:
    return f"{FLEET_PREFIX}{task_arn.rsplit('/', 1)[-1]}.json"


def read_report(s3: Any, bucket: str, task_arn: str) -> TaskReport | None:
    """The task's last report, or None if it never reported (or wrote something unreadable)."""
    try:
        body = s3.get_object(Bucket=bucket, Key=report_key(task_arn))["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise FleetReadError(f"could not read {report_key(task_arn)}: {exc}") from exc
    except BotoCoreError as exc:
        raise FleetReadError(f"could not read {report_key(task_arn)}: {exc}") from exc
    try:
        return TaskReport.model_validate(json.loads(body))
    except (ValueError, ValidationError):
        return None


def read_fleet(ecs: Any, s3: Any, bucket: str, cluster: str, service: str) -> list[FleetTask]:
    tasks = running_tasks(ecs, cluster, service)
    return [t.model_copy(update={"report": read_report(s3, bucket, t.task_arn)}) for t in tasks]
