"""Execution inputs: CloudTrail-via-EventBridge events, scheduled events, manual input."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, ConfigDict, Field, StrictBool


class CloudTrailUserIdentity(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    type: str | None = None
    account_id: str | None = Field(default=None, alias="accountId")
    arn: str | None = None


class CloudTrailApiCallDetail(BaseModel):
    """`detail` of an "AWS API Call via CloudTrail" event. Only what we read is typed; the
    request and response bodies are kept as dicts because we never trust them for state."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    event_version: str | None = Field(default=None, alias="eventVersion")
    event_source: str = Field(alias="eventSource")
    event_name: str = Field(alias="eventName")
    event_id: str | None = Field(default=None, alias="eventID")
    aws_region: str | None = Field(default=None, alias="awsRegion")
    error_code: str | None = Field(default=None, alias="errorCode")
    error_message: str | None = Field(default=None, alias="errorMessage")
    user_identity: CloudTrailUserIdentity | None = Field(default=None, alias="userIdentity")
    request_parameters: dict[str, Any] | None = Field(default=None, alias="requestParameters")
    response_elements: dict[str, Any] | None = Field(default=None, alias="responseElements")


class LatticeApiCallEvent(EventBridgeModel):
    """The EventBridge envelope (Powertools Parser model) with a CloudTrail detail."""

    detail: CloudTrailApiCallDetail


class ScheduledEvent(EventBridgeModel):
    """An EventBridge schedule ("Scheduled Event", source aws.events): detail is `{}`."""

    detail: dict[str, Any] = Field(default_factory=dict)


class ManualInput(BaseModel):
    """What an administrator may pass to StartExecution: `{}` or `{"dryRun": true}`."""

    # Strict on purpose: a mistyped key ("dryrun") must fail, not silently write.
    model_config = ConfigDict(extra="forbid")

    dry_run: StrictBool = Field(default=False, alias="dryRun")
