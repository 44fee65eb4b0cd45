"""Classify an execution input. Events only say "look now": every trigger is a full
reconcile, so an event we cannot parse is still answered with one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from lattice_ingress.models.errors import InvalidInputError
from lattice_ingress.models.events import LatticeApiCallEvent, ManualInput, ScheduledEvent
from lattice_ingress.models.results import TriggerResult

# Keys every EventBridge event carries. Only an input with ALL of them is treated as an
# event: anything less is manual input and validated strictly, so a hand-written
# `{"dryRun": true, "source": "x"}` is refused instead of running a real reconcile.
_EVENT_KEYS = frozenset({"version", "id", "detail-type", "source", "account", "region", "detail"})
SCHEDULED_DETAIL_TYPE = "Scheduled Event"
CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail"


def classify_trigger(raw: Any) -> tuple[TriggerResult, str | None]:
    """-> (result, parse problem to log or None). Raises InvalidInputError for bad manual
    input, which the state machine lets fail the execution at once."""
    if isinstance(raw, Mapping) and raw.keys() >= _EVENT_KEYS:
        return _from_event(raw)
    return _from_manual(raw), None


def _from_manual(raw: Any) -> TriggerResult:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise InvalidInputError(f"execution input must be a JSON object, got {type(raw).__name__}")
    try:
        manual = ManualInput.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInputError(_describe(exc)) from exc
    mode = "dry run" if manual.dry_run else "reconcile"
    return TriggerResult(
        dry_run=manual.dry_run, reason=f"manual {mode}", trigger={"kind": "manual"}
    )


def _from_event(raw: Mapping[str, Any]) -> tuple[TriggerResult, str | None]:
    detail_type = raw.get("detail-type")
    event_id = raw.get("id") if isinstance(raw.get("id"), str) else None
    try:
        if detail_type == SCHEDULED_DETAIL_TYPE:
            scheduled = ScheduledEvent.model_validate(raw)
            return (
                TriggerResult(
                    dry_run=False,
                    reason="scheduled reconcile",
                    trigger={"kind": "schedule", "eventId": scheduled.id},
                ),
                None,
            )
        event = LatticeApiCallEvent.model_validate(raw)
    except ValidationError as exc:
        return _unparsed(event_id, _describe(exc)), _describe(exc)
    detail = event.detail
    reason = f"{detail.event_name} via CloudTrail"
    if detail.error_code:
        # The rule filters failed calls; if one slips through, reconciling is harmless.
        reason += f" (call failed: {detail.error_code}; reconciling anyway)"
    trigger = {
        "kind": "cloudtrail",
        "eventId": event.id,
        "eventName": detail.event_name,
        "eventSource": detail.event_source,
        "errorCode": detail.error_code,
    }
    return TriggerResult(dry_run=False, reason=reason, trigger=trigger), None


def _unparsed(event_id: str | None, problem: str) -> TriggerResult:
    return TriggerResult(
        dry_run=False,
        reason="unparseable event; full reconcile",
        trigger={"kind": "unknown", "eventId": event_id, "problem": problem},
    )


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error["loc"]) or "input"
        if error["type"] == "extra_forbidden":
            problems.append(f"unknown key {location!r}")
        else:
            problems.append(f"{location}: {error['msg']}")
    return "; ".join(problems)
