"""The state machine's recent executions and what each reported."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lattice_ingress.adapters.clients import client


@dataclass(frozen=True)
class Run:
    arn: str
    name: str
    status: str
    started: str
    stopped: str | None
    output: dict[str, Any] | None
    error: str | None

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "started": self.started,
            "stopped": self.stopped,
            "error": self.error,
        }


def touched(arn: str, domain: str) -> bool:
    """Did any step of this execution report `domain`? The execution output describes only
    its last pass, so the steps' own outputs (the history) are searched."""
    needle = json.dumps(domain)
    paginator = client("stepfunctions").get_paginator("get_execution_history")
    for page in paginator.paginate(executionArn=arn, includeExecutionData=True):
        for event in page["events"]:
            details = event.get("lambdaFunctionSucceededEventDetails") or {}
            if needle in (details.get("output") or ""):
                return True
    return False


def recent_runs(state_machine_arn: str, limit: int) -> list[Run]:
    """The newest `limit` executions, newest first (ListExecutions' own order)."""
    sfn = client("stepfunctions")
    listed = sfn.list_executions(stateMachineArn=state_machine_arn, maxResults=limit)
    return [describe(sfn, item["executionArn"]) for item in listed["executions"][:limit]]


def describe(sfn: Any, arn: str) -> Run:
    description = sfn.describe_execution(executionArn=arn)
    output = description.get("output")
    stopped = description.get("stopDate")
    return Run(
        arn=arn,
        name=description["name"],
        status=description["status"],
        started=str(description["startDate"]),
        stopped=str(stopped) if stopped else None,
        output=json.loads(output) if output else None,
        error=description.get("error") or None,
    )
