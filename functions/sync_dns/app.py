"""Converge one zone's owned records to the catalog (or, in a dry run, only plan it)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from lattice_ingress.models.requests import SyncDnsRequest
from lattice_ingress.observability import logger, metrics, tracer
from lattice_ingress.reconcile.sync_dns import sync_dns
from lattice_ingress.settings import get_settings


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = parse(event=event, model=SyncDnsRequest)
    return sync_dns(request, get_settings(), context.aws_request_id).to_output()
