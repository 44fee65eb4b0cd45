"""Handler outputs, serialised with aliases (camelCase) into the state machine."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from lattice_ingress.models.catalog import RejectedService, S3ObjectRef
from lattice_ingress.models.dns import PlanEntry


class _Result(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    def to_output(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class TriggerResult(_Result):
    dry_run: bool
    reason: str
    trigger: dict[str, Any]


class LeaseAcquireResult(_Result):
    acquired: bool


class LeaseReleaseResult(_Result):
    again: bool


class LeaseRenewResult(_Result):
    held: bool


class DiscoverResult(_Result):
    catalog: S3ObjectRef
    catalog_hash: str
    service_count: int
    in_progress_count: int
    excluded_count: int = 0
    rejected: list[RejectedService]
    rejected_count: int


class SyncDnsResult(_Result):
    zone: str
    zone_id: str
    dry_run: bool
    summary: dict[str, int]
    plan: list[PlanEntry] | None = None
    plan_ref: S3ObjectRef | None = None
    changed: int
    batches: int
    conflicts: list[PlanEntry]
    conflict_count: int
    rejected: list[PlanEntry]
    # False for a withdraw phase that held publications back for PublishNames.
    complete: bool = True


class RenderResult(_Result):
    changed: bool
    dry_run: bool
    hash: str
    service_count: int
    version_id: str | None
    previous_version_id: str | None


class RestoreResult(_Result):
    restored_version_id: str | None
    skipped: str | None = None


class FleetStatusResult(_Result):
    complete: bool
    attempt: int  # the next attempt's number (the state machine passes it back)
    wait_seconds: int
    expected_version_id: str | None
    tasks: list[dict[str, Any]]
    applied: list[str]
    pending: list[str]
    rejected: list[str]
