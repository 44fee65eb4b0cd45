"""The fleet as the control plane sees it: each running proxy task and what it reported."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class TaskReport(_Model):
    """fleet/<task id>.json, written by the task's fetcher (nginx/entrypoint.sh)."""

    task_arn: str
    state: Literal["applied", "rejected"]
    version_id: str = ""  # the config version the task last decided on
    serving_version_id: str = ""  # the one nginx serves (the last applied)
    time: str = ""


class FleetTask(_Model):
    task_arn: str
    started_by: str = ""  # the deployment (ecs-svc/...) that started the task
    last_status: str = ""
    report: TaskReport | None = None


class FleetView(_Model):
    """Which config each running task of the proxy service serves."""

    expected_version_id: str | None
    tasks: list[FleetTask] = Field(default_factory=list)
    applied: list[str] = Field(default_factory=list)  # task ARNs serving the expected version
    pending: list[str] = Field(default_factory=list)  # not (yet) reported the expected version
    rejected: list[str] = Field(default_factory=list)  # rejected the expected version

    @property
    def complete(self) -> bool:
        return not self.pending and not self.rejected
