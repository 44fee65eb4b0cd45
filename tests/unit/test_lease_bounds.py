"""The lease outlives every step between two renewals, by the template's own bounds.

A run renews its lease at every fence and after every wait; the longest stretch without a
renewal is then one Lambda invocation or one Wait state. `LeaseTtlSeconds`' MinValue must
exceed both, so that no parameter value a deploy accepts lets a live run's lease expire.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from embedded_aws.intrinsics import load_template

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(REPO / "template.yaml")
ASL = json.loads((REPO / "statemachines" / "reconcile.asl.json").read_text(encoding="utf-8"))
LEASE_TASK = "${LeaseFunctionArn}"
# Retries of a step (1 + 2 + 4 s with jitter) and the renewal call itself.
SLACK_SECONDS = 60
# Waits the lease is not held in: the next state acquires it again.
WITHOUT_LEASE = {"WaitForPendingServices"}


def _states(states: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = dict(states)
    for state in states.values():
        if "ItemProcessor" in state:
            found.update(_states(state["ItemProcessor"]["States"]))
    return found


STATES = _states(ASL["States"])


def _waits() -> dict[str, dict[str, Any]]:
    return {name: s for name, s in STATES.items() if s["Type"] == "Wait"}


def _parameter_max(setting: str) -> int:
    """`$.settings.<setting>` -> the template parameter behind it -> its MaxValue."""
    source = ASL["States"]["Initialize"]["Parameters"]["settings"][f"{setting}.$"]
    substitution = re.fullmatch(r"States\.StringToJson\('\$\{(\w+)\}'\)", source)
    assert substitution, source
    machine = TEMPLATE["Resources"]["ReconcileStateMachine"]["Properties"]
    parameter = machine["DefinitionSubstitutions"][substitution.group(1)]["Ref"]
    return int(TEMPLATE["Parameters"][parameter]["MaxValue"])


def _longest_wait_with_lease() -> int:
    longest = 0
    for name, state in _waits().items():
        if name in WITHOUT_LEASE:
            continue
        path = state["SecondsPath"]
        if path == "$.rollout.fleet.waitSeconds":
            # FleetStatus chooses it, capped by the pollSeconds CheckFleet passes it.
            cap = STATES["CheckFleet"]["Parameters"]["maxWaitSeconds.$"]
            path = cap
        match = re.fullmatch(r"\$\.settings\.(\w+)", path)
        assert match, f"{name}: no bound known for {path}"
        longest = max(longest, _parameter_max(match.group(1)))
    return longest


def _longest_function_timeout() -> int:
    default = int(TEMPLATE["Globals"]["Function"]["Timeout"])
    return max(
        int(resource["Properties"].get("Timeout", default))
        for resource in TEMPLATE["Resources"].values()
        if resource["Type"] == "AWS::Serverless::Function"
    )


def test_every_wait_while_holding_the_lease_is_followed_by_a_renewal():
    for name, state in _waits().items():
        following = STATES[state["Next"]]
        assert following.get("Resource") == LEASE_TASK, f"{name} -> {state['Next']}"
        action = following["Parameters"]["action"]
        expected = {"acquire"} if name in WITHOUT_LEASE else {"renew", "settle"}
        assert action in expected, f"{name} -> {state['Next']} ({action})"


def test_lease_ttl_min_value_exceeds_the_longest_step_any_deploy_allows():
    min_ttl = int(TEMPLATE["Parameters"]["LeaseTtlSeconds"]["MinValue"])

    assert min_ttl >= _longest_function_timeout() + SLACK_SECONDS
    assert min_ttl >= _longest_wait_with_lease() + SLACK_SECONDS
