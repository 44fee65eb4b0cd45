"""Routes before names: a consumer name resolves only to a fleet that serves its route.

Real ASL, real handlers, embedded AWS; a "slow rollout" is a held one
(`embedded_aws.compat.ecs.hold_rollouts`), so the test looks at the zones while the fleet
still runs the old config, without timing anything.
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.timeout(600)


def test_given_added_service_when_its_rollout_is_under_way_then_its_name_is_not_published(
    control_plane,
):
    from embedded_aws.compat import ecs

    control_plane.wait_idle()
    domain = f"{control_plane.unique('routed')}.{control_plane.domain}"
    ecs.hold_rollouts()
    try:
        service_id = control_plane.create_service(domain.split(".")[0], domain)
        control_plane.wait_for_state("WaitForRollout")
        # The new config is out, the fleet does not serve it yet: no consumer name.
        assert domain in control_plane.config_text()
        assert control_plane.record_target(control_plane.consumer_zone_id, domain) is None
        # The proxies resolve the upstream through the proxy zone: that one is ready.
        assert control_plane.record_target(
            control_plane.proxy_zone_id, domain
        ) == control_plane.service_dns_name(service_id)
    finally:
        ecs.release_rollouts()
    control_plane.wait_idle()

    assert control_plane.record_target(control_plane.consumer_zone_id, domain) == (
        control_plane.consumer_target.lower().rstrip(".")
    )


def test_given_added_service_when_its_rollout_fails_then_no_name_points_at_it(control_plane):
    from embedded_aws.compat import ecs

    control_plane.wait_idle()
    domain = f"{control_plane.unique('unrouted')}.{control_plane.domain}"
    ecs.fail_next_rollout()
    try:
        control_plane.create_service(domain.split(".")[0], domain)
        executions = control_plane.wait_idle()
    finally:
        ecs.clear_planned_failures()

    failed = [e for e in executions if e["status"] == "FAILED"]
    assert failed, "the failed rollout did not fail an execution"
    for execution in failed:
        entered = control_plane.entered_states(execution["executionArn"])
        # After the rollout that failed (the last one started), no name was published.
        last_rollout = len(entered) - 1 - entered[::-1].index("StartRollout")
        assert "RestoreConfig" in entered[last_rollout:]
        assert "PublishNames" not in entered[last_rollout:]
    # Any name now published was published by a later pass whose rollout completed.
    if control_plane.record_target(control_plane.consumer_zone_id, domain) is not None:
        assert domain in control_plane.config_text()
        succeeded = [e for e in executions if e["status"] == "SUCCEEDED"]
        assert control_plane.rollouts_started(succeeded) >= 1


def test_given_removed_service_when_its_rollout_is_under_way_then_its_name_is_already_gone(
    control_plane,
):
    from embedded_aws.compat import ecs

    control_plane.wait_idle()
    domain = f"{control_plane.unique('leaving')}.{control_plane.domain}"
    service_id = control_plane.create_service(domain.split(".")[0], domain)
    control_plane.wait_idle()
    assert control_plane.record_target(control_plane.consumer_zone_id, domain) is not None
    ecs.hold_rollouts()
    try:
        control_plane.delete_service(service_id)
        control_plane.wait_for_state("WaitForRollout")
        # The fleet still serves the route; the name was withdrawn first.
        assert control_plane.record_target(control_plane.consumer_zone_id, domain) is None
    finally:
        ecs.release_rollouts()
    control_plane.wait_idle()
    control_plane.reconcile({})

    assert domain not in control_plane.config_text()


def test_given_nothing_to_publish_then_the_consumer_zone_is_listed_once_and_reported(
    control_plane,
):
    """A pass that publishes no name skips PublishNames (the no-op budget): the withdraw
    phase applied the whole plan, and its result is the execution's consumer zone result."""
    control_plane.wait_idle()
    domain = f"{control_plane.unique('steady')}.{control_plane.domain}"
    control_plane.create_service(domain.split(".")[0], domain)
    control_plane.wait_idle()

    description = control_plane.reconcile({})

    entered = control_plane.entered_states(description["executionArn"])
    assert "NamesFromWithdrawPhase" in entered and "PublishNames" not in entered
    consumer = json.loads(description["output"])["zones"][0]
    assert consumer["zone"] == "consumer" and consumer["complete"] is True
    assert consumer["summary"]["unchanged"] >= 1 and consumer["changed"] == 0


def test_given_a_name_to_publish_then_publish_names_runs_after_the_withdraw_phase(
    control_plane,
):
    control_plane.wait_idle()
    domain = f"{control_plane.unique('fresh')}.{control_plane.domain}"
    control_plane.create_service(domain.split(".")[0], domain)
    executions = control_plane.wait_idle()

    publishing = [
        e for e in executions if "PublishNames" in control_plane.entered_states(e["executionArn"])
    ]
    assert publishing, "no execution published the new name"
    assert control_plane.record_target(control_plane.consumer_zone_id, domain) is not None
