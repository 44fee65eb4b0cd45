"""Custom resource ConfigBootstrap: the deny-all config exists before the first proxy task."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lattice_ingress.adapters.cfn_response import run_custom_resource
from lattice_ingress.observability import logger
from lattice_ingress.reconcile.lifecycle import bootstrap_config
from lattice_ingress.settings import get_settings


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("RequestType") == "Delete":
        # The config object goes (or stays) with the bucket and its DeletionPolicy.
        physical_id = str(event.get("PhysicalResourceId") or event["LogicalResourceId"])
        return run_custom_resource(event, lambda: (physical_id, {}))
    return run_custom_resource(event, lambda: bootstrap_config(get_settings()))
