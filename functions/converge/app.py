"""Custom resource StackConvergence: every stack create and update ends with a reconcile;
a zone change withdraws the old zone's records; stack deletion withdraws every record."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lattice_ingress.adapters.cfn_response import run_custom_resource
from lattice_ingress.observability import logger
from lattice_ingress.reconcile.lifecycle import converge
from lattice_ingress.settings import get_settings


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_custom_resource(event, lambda: converge(event, get_settings()))
