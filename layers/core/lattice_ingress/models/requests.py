"""Handler inputs from the state machine (docs/contracts.md, "Handlers and the state
machine"). Unknown keys are ignored so the ASL may pass context along."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from lattice_ingress.models.catalog import S3ObjectRef


class _Request(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )


class LeaseRequest(_Request):
    action: Literal["acquire", "release"]
    holder: str = Field(min_length=1)


class DiscoverRequest(_Request):
    dry_run: bool = False
    execution_id: str = Field(min_length=1)


class SyncDnsRequest(_Request):
    zone: Literal["consumer", "proxy"]
    catalog: S3ObjectRef
    dry_run: bool = False


class RenderConfigRequest(_Request):
    catalog: S3ObjectRef
    dry_run: bool = False


class RestoreConfigRequest(_Request):
    version_id: str | None = None


class FleetStatusRequest(_Request):
    """One look at the fleet while a reload-mode run waits for its config version."""

    cluster: str = Field(min_length=1)
    service: str = Field(min_length=1)
    version_id: str | None = None
    attempt: int = Field(default=0, ge=0)
    max_attempts: int = Field(default=60, ge=1)
    max_wait_seconds: int = Field(default=30, ge=1)
