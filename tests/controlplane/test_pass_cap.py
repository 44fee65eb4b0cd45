"""The pass cap: passes requested by triggers beyond MaxPassesPerExecution (2 in
samconfig.toml's local parameters) continue in a fresh execution. Its own module, so its
own stack: no earlier test's executions or held rollouts are around."""

from __future__ import annotations

import time

import pytest
from test_lease import (
    IDLE_TIMEOUT_SECONDS,
    POLL_SECONDS,
    StackTimeoutError,
    _wait_active,
    _wait_for_end,
    _wait_for_only,
)

pytestmark = pytest.mark.timeout(600)


def test_given_passes_requested_beyond_the_cap_then_a_new_execution_continues(control_plane):
    """samconfig.toml's local MaxPassesPerExecution is 2."""
    from embedded_aws.compat import ecs

    control_plane.wait_idle()
    domains = [f"{control_plane.unique(f'cap{i}')}.{control_plane.domain}" for i in range(3)]
    ecs.hold_rollouts()
    try:
        control_plane.create_service(domains[0].split(".")[0], domains[0])
        run_a = control_plane.wait_for_state("WaitForRollout")
        for second_pass in (1, 2):
            # A trigger during pass n: pass n+1 is requested (and finds the service ACTIVE).
            service_id = control_plane.create_service(
                domains[second_pass].split(".")[0], domains[second_pass]
            )
            _wait_active(control_plane, service_id)
            _wait_for_only(control_plane, run_a)
            ecs.release_rollouts(keep_holding=True)
            if second_pass == 1:
                deadline = time.monotonic() + IDLE_TIMEOUT_SECONDS
                while control_plane.entered_states(run_a).count("WaitForRollout") < 2 or (
                    control_plane.entered_states(run_a).count("StartRollout") < 2
                ):
                    if time.monotonic() > deadline:
                        raise StackTimeoutError("the second pass never rolled out")
                    time.sleep(POLL_SECONDS)
    finally:
        ecs.release_rollouts()
    ended_a = _wait_for_end(control_plane, run_a)
    control_plane.wait_idle()

    assert ended_a["status"] == "SUCCEEDED"
    entered = control_plane.entered_states(run_a)
    assert entered.count("Discover") == 2, "the execution ran more passes than its cap"
    assert "ContinueAtPassCap" in entered
    config = control_plane.config_text()
    assert all(domain in config for domain in domains)
