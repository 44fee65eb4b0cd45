"""State transitions and Lambda invocations per pass (the README's Step Functions and Lambda
cost lines): one pass that publishes a new config, then one that changes nothing, on the
embedded stack. Prints one JSON object per pass."""

from __future__ import annotations

import json
import logging

from embedded_aws.executions import run_execution
from embedded_aws.serve import LocalStack


def main() -> None:
    logging.disable(logging.CRITICAL)
    stack = LocalStack()
    outputs = stack.start()
    try:
        sfn = stack.embedded.client("stepfunctions")
        for label in ("first pass (new config, rollout)", "no-op pass"):
            done = run_execution(
                sfn,
                outputs["StateMachineArn"],
                {},
                bound_seconds=300,
                timeout_error=RuntimeError,
            )
            events = []
            for page in sfn.get_paginator("get_execution_history").paginate(
                executionArn=done["executionArn"]
            ):
                events.extend(page["events"])
            print(
                json.dumps(
                    {
                        "pass": label,
                        "status": done["status"],
                        "states_entered": sum(e["type"].endswith("StateEntered") for e in events),
                        "lambda_invocations": sum(
                            e["type"] == "LambdaFunctionScheduled" for e in events
                        ),
                    }
                ),
                flush=True,
            )
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
