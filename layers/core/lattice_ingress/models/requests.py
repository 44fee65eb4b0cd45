"""Handler inputs from the state machine (docs/contracts.md, "Handlers and the state
machine"). Unknown keys are ignored so the ASL may pass context along."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from lattice_ingress.models.catalog import S3ObjectRef


class _Request(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )


class LeaseRequest(_Request):
    """acquire / release (keep the lease for a pending pass) / renew (fence and extend while
    waiting) / settle (renew, and consume the triggers that arrived while a burst settles) /
    handover (give it up even with a pass pending; a fresh execution runs it)."""

    action: Literal["acquire", "release", "renew", "settle", "handover"]
    holder: str = Field(min_length=1)


class _FencedWrite(_Request):
    """A writer of published state: `holder` (the execution id holding the lease) is proved
    before each write; a dry run writes nothing and needs none."""

    holder: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _holder_unless_dry_run(self) -> _FencedWrite:
        if not getattr(self, "dry_run", False) and self.holder is None:
            raise ValueError("holder is required to write (the execution id holding the lease)")
        return self


class DiscoverRequest(_Request):
    dry_run: bool = False
    execution_id: str = Field(min_length=1)


class SyncDnsRequest(_FencedWrite):
    zone: Literal["consumer", "proxy"]
    catalog: S3ObjectRef
    dry_run: bool = False
    # Routes before names: only the deletions (names withdrawn before their routes go).
    withdraw_only: bool = False


class RenderConfigRequest(_FencedWrite):
    catalog: S3ObjectRef
    dry_run: bool = False


class RestoreConfigRequest(_FencedWrite):
    """Make `version_id` current again, but only while the current version is still
    `published_version_id` (the one this run published): never undo someone else's."""

    version_id: str | None = None
    published_version_id: str | None = None


class FleetStatusRequest(_Request):
    """One look at the fleet while a reload-mode run waits for its config version."""

    cluster: str = Field(min_length=1)
    service: str = Field(min_length=1)
    version_id: str | None = None
    attempt: int = Field(default=0, ge=0)
    max_attempts: int = Field(default=60, ge=1)
    max_wait_seconds: int = Field(default=30, ge=1)
