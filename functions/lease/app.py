"""Acquire, renew, release or hand over the reconcile lease (one writer at a time, one
queued pass, never a lost one)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from lattice_ingress.adapters.clients import client
from lattice_ingress.adapters.lease import Lease
from lattice_ingress.models.requests import LeaseRequest
from lattice_ingress.models.results import (
    LeaseAcquireResult,
    LeaseReleaseResult,
    LeaseRenewResult,
)
from lattice_ingress.observability import MetricName, logger, metrics, tracer
from lattice_ingress.settings import get_settings


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = parse(event=event, model=LeaseRequest)
    settings = get_settings()
    settings.require("lease_table")
    lease = Lease(client("dynamodb"), settings.lease_table, settings.lease_ttl_seconds)
    if request.action == "acquire":
        acquired = lease.acquire(request.holder)
        if not acquired:
            metrics.add_metric(name=MetricName.LEASE_BUSY, unit=MetricUnit.Count, value=1)
        logger.info("lease acquire", extra={"acquired": acquired, "holder": request.holder})
        return LeaseAcquireResult(acquired=acquired).to_output()
    if request.action == "renew":
        # LeaseLostError propagates: the state machine stops the run by that name.
        lease.fence(request.holder)
        return LeaseRenewResult(held=True).to_output()
    if request.action == "settle":
        again = lease.settle(request.holder)
        logger.info("lease settle", extra={"again": again, "holder": request.holder})
        return LeaseReleaseResult(again=again).to_output()
    if request.action == "handover":
        again = lease.hand_over(request.holder)
        logger.info("lease handed over", extra={"again": again, "holder": request.holder})
        return LeaseReleaseResult(again=again).to_output()
    again = lease.release(request.holder)
    logger.info("lease release", extra={"again": again, "holder": request.holder})
    return LeaseReleaseResult(again=again).to_output()
