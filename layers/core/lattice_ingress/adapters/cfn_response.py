"""CloudFormation custom resources: run one request and answer it the way CloudFormation
reads answers, a JSON document PUT to the pre-signed S3 URL of the request.

Every outcome is answered, a failure as FAILED with its reason, so a stack never waits an
hour for a handler that crashed."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from lattice_ingress.observability import logger

# (physical resource id, Data) from the request's work.
Outcome = tuple[str, Mapping[str, str]]
_REASON_LIMIT = 2000  # the response document must stay small (4 KB in all)


def run_custom_resource(event: Mapping[str, Any], work: Callable[[], Outcome]) -> dict[str, Any]:
    """Run `work`, send SUCCESS or FAILED, and return the response document."""
    try:
        physical_id, data = work()
        response = _response(event, "SUCCESS", physical_id, data, "")
    except Exception as exc:  # noqa: BLE001 - every failure must reach CloudFormation
        logger.exception("custom resource request failed")
        # A failed Create has no resource yet: answer with a stable placeholder id.
        physical_id = str(event.get("PhysicalResourceId") or event.get("LogicalResourceId"))
        response = _response(event, "FAILED", physical_id, {}, f"{type(exc).__name__}: {exc}")
    send(str(event["ResponseURL"]), response)
    return response


def _response(
    event: Mapping[str, Any],
    status: str,
    physical_id: str,
    data: Mapping[str, str],
    reason: str,
) -> dict[str, Any]:
    return {
        "Status": status,
        "Reason": reason[:_REASON_LIMIT],
        "PhysicalResourceId": physical_id,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "NoEcho": False,
        "Data": dict(data),
    }


def send(url: str, response: Mapping[str, Any]) -> None:
    """PUT with an empty Content-Type: the URL was signed without one."""
    body = json.dumps(response).encode()
    request = urllib.request.Request(  # noqa: S310 - the URL is CloudFormation's https URL
        url, data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        answer.read()
    logger.info(
        "custom resource response sent",
        extra={"status": response["Status"], "physicalResourceId": response["PhysicalResourceId"]},
    )
