"""Classify the execution input: CloudTrail event, schedule, `{}` or `{"dryRun": true}`."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lattice_ingress.logic.trigger import classify_trigger
from lattice_ingress.observability import CORRELATION_ID_PATH, logger, metrics, tracer


@logger.inject_lambda_context(correlation_id_path=CORRELATION_ID_PATH)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    result, problem = classify_trigger(event)
    if problem is not None:
        # Never a crash: the event only said "look now"; a full reconcile answers it.
        logger.warning("unparseable trigger event; full reconcile", extra={"problem": problem})
    logger.info("trigger", extra={"reason": result.reason, "dryRun": result.dry_run})
    return result.to_output()
