"""Reload mode: report which config version each running proxy task serves (and wait)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from lattice_ingress.models.requests import FleetStatusRequest
from lattice_ingress.observability import logger, metrics, tracer
from lattice_ingress.reconcile.fleet_status import fleet_status
from lattice_ingress.settings import get_settings


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = parse(event=event, model=FleetStatusRequest)
    return fleet_status(request, get_settings()).to_output()
