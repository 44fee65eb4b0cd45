"""parse_trigger logic: strict manual input, every event a full reconcile, never a crash."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lattice_ingress.logic.trigger import classify_trigger
from lattice_ingress.models.errors import InvalidInputError

Load = Callable[[str], Any]


def test_given_empty_manual_input_when_classified_then_full_reconcile(event: Load) -> None:
    result, problem = classify_trigger(event("manual-reconcile.json"))

    assert (result.dry_run, result.trigger["kind"], problem) == (False, "manual", None)


def test_given_dry_run_input_when_classified_then_dry_run(event: Load) -> None:
    result, _ = classify_trigger(event("manual-dry-run.json"))

    assert result.dry_run is True
    assert result.reason == "manual dry run"


def test_given_unknown_key_when_classified_then_error_names_the_key(event: Load) -> None:
    with pytest.raises(InvalidInputError, match="unknown key 'dryrun'"):
        classify_trigger(event("manual-invalid-unknown-key.json"))


def test_given_wrong_type_when_classified_then_error_names_the_field(event: Load) -> None:
    with pytest.raises(InvalidInputError, match="dryRun"):
        classify_trigger(event("manual-invalid-wrong-type.json"))


@pytest.mark.parametrize("raw", [[], "dryRun", 1, {"dryRun": 1}, {"dryRun": None}])
def test_given_non_object_or_non_boolean_input_when_classified_then_invalid(raw: Any) -> None:
    with pytest.raises(InvalidInputError):
        classify_trigger(raw)


def test_given_none_input_when_classified_then_treated_as_empty() -> None:
    result, _ = classify_trigger(None)

    assert result.dry_run is False


@pytest.mark.parametrize(
    ("name", "event_name"),
    [
        ("cloudtrail-create-service.json", "CreateService"),
        ("cloudtrail-delete-service.json", "DeleteService"),
        ("cloudtrail-create-association.json", "CreateServiceNetworkServiceAssociation"),
        ("cloudtrail-delete-association.json", "DeleteServiceNetworkServiceAssociation"),
    ],
)
def test_given_cloudtrail_event_when_classified_then_full_reconcile(
    event: Load, name: str, event_name: str
) -> None:
    raw = event(name)

    result, problem = classify_trigger(raw)

    assert problem is None
    assert result.dry_run is False
    assert result.trigger["kind"] == "cloudtrail"
    assert result.trigger["eventName"] == event_name
    assert result.trigger["eventId"] == raw["id"]
    assert result.reason == f"{event_name} via CloudTrail"


def test_given_failed_api_call_when_classified_then_reason_notes_error(event: Load) -> None:
    result, _ = classify_trigger(event("cloudtrail-create-service-failed.json"))

    assert "ConflictException" in result.reason
    assert result.trigger["errorCode"] == "ConflictException"


def test_given_scheduled_event_when_classified_then_scheduled_reconcile(event: Load) -> None:
    result, problem = classify_trigger(event("scheduled-reconcile.json"))

    assert (result.trigger["kind"], result.reason, problem) == (
        "schedule",
        "scheduled reconcile",
        None,
    )


def test_given_unparseable_event_when_classified_then_reconcile_and_problem(
    event: Load,
) -> None:
    raw = event("unparseable-event.json")

    result, problem = classify_trigger(raw)

    assert result.dry_run is False
    assert result.trigger["kind"] == "unknown"
    assert result.trigger["eventId"] == raw["id"]
    assert problem is not None and "eventSource" in problem


def test_given_event_with_extra_keys_when_classified_then_still_an_event(event: Load) -> None:
    raw = {**event("cloudtrail-create-service.json"), "dryRun": True}

    result, _ = classify_trigger(raw)

    assert result.dry_run is False
    assert result.trigger["kind"] == "cloudtrail"


@pytest.mark.parametrize(
    "raw",
    [
        {"dryRun": True, "source": "x"},
        {"dryRun": True, "detail-type": "Scheduled Event"},
        {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}},
    ],
)
def test_given_manual_input_with_event_keys_when_classified_then_refused(raw: Any) -> None:
    # Lenient behaviour took any `source` key for an event and ran a real reconcile.
    with pytest.raises(InvalidInputError, match="unknown key"):
        classify_trigger(raw)
