"""State transitions and Lambda invocations per pass (the README's Step Functions and Lambda
cost lines): one pass that publishes a new service (new config, rollout), then one that
changes nothing, on the embedded stack. Prints one JSON object per pass.

Both are manual passes started once the stack is idle (its own convergence pass after
create has ended); the CloudTrail rule is disabled so that the new service's events start
no execution of their own."""

from __future__ import annotations

import json
import logging
import time

from embedded_aws.compat import cloudtrail
from embedded_aws.executions import run_execution, wait_idle
from embedded_aws.serve import LocalStack

BOUND_SECONDS = 300.0


def main() -> None:
    logging.disable(logging.CRITICAL)
    stack = LocalStack()
    outputs = stack.start()
    try:
        assert stack.fixtures is not None
        sfn = stack.embedded.client("stepfunctions")
        machine = outputs["StateMachineArn"]
        wait_idle(
            sfn,
            machine,
            bound_seconds=BOUND_SECONDS,
            flush=cloudtrail.wait_for_delivery,
            timeout_error=RuntimeError,
        )
        events_client = stack.embedded.client("events")
        for name in events_client.list_rule_names_by_target(TargetArn=machine)["RuleNames"]:
            if "EventPattern" in events_client.describe_rule(Name=name):
                events_client.disable_rule(Name=name)
        lattice = stack.embedded.client("vpc-lattice")
        service = lattice.create_service(
            name="transitions", customDomainName=f"transitions.{stack.fixtures.domain}"
        )
        association = lattice.create_service_network_service_association(
            serviceIdentifier=service["id"],
            serviceNetworkIdentifier=stack.fixtures.service_network_id,
        )
        cloudtrail.wait_for_delivery()
        # Active first: a service still being created would add a later pass to the count.
        deadline = time.monotonic() + BOUND_SECONDS
        while (
            lattice.get_service(serviceIdentifier=service["id"])["status"] != "ACTIVE"
            or lattice.get_service_network_service_association(
                serviceNetworkServiceAssociationIdentifier=association["id"]
            )["status"]
            != "ACTIVE"
        ):
            if time.monotonic() > deadline:
                raise RuntimeError("the service never became ACTIVE")
            time.sleep(0.5)
        for label in ("pass publishing a new service (new config, rollout)", "no-op pass"):
            done = run_execution(
                sfn, machine, {}, bound_seconds=BOUND_SECONDS, timeout_error=RuntimeError
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
