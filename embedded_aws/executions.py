"""Waiting on the state machine's executions in the embedded stack: the demo, the control-plane
benchmark and the control-plane tests all settle the stack and run manual reconciles this way.

Each caller passes the error to raise when a bound runs out, so a timeout reads as that
caller's own failure (a demo error, a benchmark error, a test assertion).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

POLL_SECONDS = 0.25
QUIET_POLLS = 3  # an event is delivered a moment before its execution starts

TimeoutFactory = Callable[[str], Exception]


def wait_idle(
    sfn: Any,
    state_machine_arn: str,
    *,
    bound_seconds: float,
    flush: Callable[[], None],
    timeout_error: TimeoutFactory,
) -> None:
    """Until no execution runs for a few polls in a row; `flush` delivers pending events."""
    deadline = time.monotonic() + bound_seconds
    quiet = 0
    while quiet < QUIET_POLLS:
        if time.monotonic() > deadline:
            raise timeout_error(f"executions still running after {bound_seconds:.0f}s")
        flush()
        running = sfn.list_executions(stateMachineArn=state_machine_arn, statusFilter="RUNNING")
        quiet = 0 if running["executions"] else quiet + 1
        time.sleep(POLL_SECONDS)


def run_execution(
    sfn: Any,
    state_machine_arn: str,
    execution_input: Any,
    *,
    bound_seconds: float,
    timeout_error: TimeoutFactory,
) -> dict[str, Any]:
    """Start one execution and return its description once it is no longer running."""
    arn = sfn.start_execution(stateMachineArn=state_machine_arn, input=json.dumps(execution_input))[
        "executionArn"
    ]
    deadline = time.monotonic() + bound_seconds
    while (description := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        if time.monotonic() > deadline:
            raise timeout_error(f"execution {arn} still running after {bound_seconds:.0f}s")
        time.sleep(POLL_SECONDS)
    return dict(description)
