"""Render the catalog into nginx.conf and publish it to S3 when (and only when) it changed."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from lattice_ingress.models.requests import RenderConfigRequest
from lattice_ingress.observability import logger, metrics, tracer
from lattice_ingress.reconcile.render_config import render_config
from lattice_ingress.settings import get_settings


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = parse(event=event, model=RenderConfigRequest)
    return render_config(request, get_settings()).to_output()
