"""The reconcile state machine end to end: real ASL, real handlers, embedded AWS.

Every test drives the stack the way AWS would be driven (Lattice API calls whose CloudTrail
events start executions, or a manual StartExecution) and asserts on what an operator would
see: records in both zones, the published NGINX config, the execution output.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

pytestmark = pytest.mark.timeout(600)


def _output(description: dict[str, Any]) -> dict[str, Any]:
    assert description["status"] == "SUCCEEDED", description.get("cause")
    return dict(json.loads(description["output"]))


def _zone(output: dict[str, Any], zone: str) -> dict[str, Any]:
    return next(z for z in output["zones"] if z["zone"] == zone)


def _names(entries: list[dict[str, Any]]) -> set[str]:
    return {entry["name"] for entry in entries}


def test_given_new_service_when_created_then_published_in_both_zones_config_and_rollout(
    control_plane,
):
    name = control_plane.unique("orders")
    domain = f"{name}.{control_plane.domain}"
    versions_before = len(control_plane.config_versions())

    service_id = control_plane.create_service(name, domain)
    executions = control_plane.wait_idle()

    assert control_plane.record_target(control_plane.consumer_zone_id, domain) == (
        control_plane.consumer_target.lower().rstrip(".")
    )
    assert control_plane.record_target(
        control_plane.proxy_zone_id, domain
    ) == control_plane.service_dns_name(service_id)
    assert domain in control_plane.config_text()
    assert len(control_plane.config_versions()) > versions_before
    assert control_plane.rollouts_started(executions) >= 1
    succeeded = [e for e in executions if e["status"] == "SUCCEEDED"]
    assert succeeded, "no execution succeeded"


def test_given_published_service_when_deleted_then_its_records_and_config_entry_are_gone(
    control_plane,
):
    name = control_plane.unique("billing")
    domain = f"{name}.{control_plane.domain}"
    foreign = f"foreign-{name}.{control_plane.domain}"
    control_plane.put_record(control_plane.consumer_zone_id, foreign, "CNAME", "elsewhere.test")
    service_id = control_plane.create_service(name, domain)
    control_plane.wait_idle()
    assert control_plane.record_target(control_plane.consumer_zone_id, domain) is not None

    control_plane.delete_service(service_id)
    control_plane.wait_idle()
    control_plane.reconcile({})  # the deletion's own events may race the association's end

    assert control_plane.record_target(control_plane.consumer_zone_id, domain) is None
    assert control_plane.record_target(control_plane.proxy_zone_id, domain) is None
    assert domain not in control_plane.config_text()
    assert control_plane.record_target(control_plane.consumer_zone_id, foreign) == "elsewhere.test"


def test_given_hostile_and_out_of_zone_names_when_reconciled_then_rejected_and_good_one_published(
    control_plane,
):
    good = f"{control_plane.unique('good')}.{control_plane.domain}"
    out_of_zone = f"{control_plane.unique('away')}.other-domain.test"
    hostile = f"{control_plane.unique('evil')}.{control_plane.domain}; include /etc/passwd"
    control_plane.create_service(control_plane.unique("good"), good)
    control_plane.create_service(control_plane.unique("away"), out_of_zone)
    control_plane.create_service(control_plane.unique("evil"), hostile)
    control_plane.wait_idle()

    output = _output(control_plane.reconcile({}))

    reported = {r["domain"] for r in output["rejected"]} | _names(
        _zone(output, "consumer")["rejected"] + _zone(output, "proxy")["rejected"]
    )
    assert hostile in reported
    assert out_of_zone in reported
    assert control_plane.record_target(control_plane.consumer_zone_id, good) is not None
    assert control_plane.record_target(control_plane.proxy_zone_id, good) is not None
    config = control_plane.config_text()
    assert good in config
    assert out_of_zone not in config
    assert "/etc/passwd" not in config
    assert all(
        name != out_of_zone for (name, _) in control_plane.records(control_plane.consumer_zone_id)
    )


def test_given_foreign_record_at_service_name_when_reconciled_then_left_alone_and_reported(
    control_plane,
):
    name = control_plane.unique("taken")
    domain = f"{name}.{control_plane.domain}"
    control_plane.put_record(control_plane.consumer_zone_id, domain, "CNAME", "someone-else.test")
    neighbour = f"{control_plane.unique('neighbour')}.{control_plane.domain}"

    control_plane.create_service(name, domain)
    control_plane.create_service(control_plane.unique("neighbour"), neighbour)
    control_plane.wait_idle()
    output = _output(control_plane.reconcile({}))

    assert control_plane.record_target(control_plane.consumer_zone_id, domain) == (
        "someone-else.test"
    )
    assert domain in _names(_zone(output, "consumer")["conflicts"])
    assert control_plane.record_target(control_plane.consumer_zone_id, neighbour) is not None


def test_given_dry_run_when_services_changed_then_nothing_is_written_and_plan_is_reported(
    control_plane,
):
    control_plane.wait_idle()
    domain = f"{control_plane.unique('planned')}.{control_plane.domain}"
    from embedded_aws.compat import vpclattice

    # Held back from the event-driven runs, so only the dry run sees it once ACTIVE.
    name = control_plane.unique("planned")
    vpclattice.hold(name)
    try:
        control_plane.create_service(name, domain)
        control_plane.wait_idle()
    finally:
        vpclattice.release(name)
    versions_before = control_plane.config_versions()
    records_before = control_plane.records(control_plane.consumer_zone_id)

    output = _output(control_plane.reconcile({"dryRun": True}))

    assert output["dryRun"] is True
    planned = {
        (entry["name"], entry["action"])
        for zone in ("consumer", "proxy")
        for entry in _zone(output, zone)["plan"] or []
    }
    assert (domain, "create") in planned
    assert control_plane.records(control_plane.consumer_zone_id) == records_before
    assert control_plane.config_versions() == versions_before
    assert control_plane.record_target(control_plane.consumer_zone_id, domain) is None


def test_given_deleted_record_when_manual_reconcile_then_the_drift_is_repaired(control_plane):
    domain = f"{control_plane.unique('drift')}.{control_plane.domain}"
    control_plane.create_service(domain.split(".")[0], domain)
    control_plane.wait_idle()
    target = control_plane.record_target(control_plane.proxy_zone_id, domain)
    assert target is not None
    control_plane.delete_record(control_plane.proxy_zone_id, domain, "CNAME")

    output = _output(control_plane.reconcile({}))

    assert control_plane.record_target(control_plane.proxy_zone_id, domain) == target
    assert _zone(output, "proxy")["changed"] >= 1


@pytest.mark.parametrize("error_code", ["Throttling", "PriorRequestNotComplete"])
def test_given_route53_throttles_changes_when_reconciled_then_it_still_converges(
    control_plane, error_code
):
    from embedded_aws.compat import faults

    control_plane.wait_idle()
    domain = f"{control_plane.unique('busy')}.{control_plane.domain}"
    faults.inject("route53", "ChangeResourceRecordSets", error_code, count=3)
    try:
        control_plane.create_service(domain.split(".")[0], domain)
        control_plane.wait_idle()
        control_plane.reconcile({})
    finally:
        faults.clear()

    assert control_plane.record_target(control_plane.consumer_zone_id, domain) is not None
    assert control_plane.record_target(control_plane.proxy_zone_id, domain) is not None


def test_given_rollout_fails_when_config_changes_then_previous_config_is_restored(control_plane):
    from embedded_aws.compat import ecs

    # Given a published config (its own, so the test does not depend on the others' order)
    steady = control_plane.unique("steady")
    control_plane.create_service(steady, f"{steady}.{control_plane.domain}")
    control_plane.wait_idle()
    previous_text = control_plane.config_text()
    assert f"{steady}.{control_plane.domain}" in previous_text
    domain = f"{control_plane.unique('broken')}.{control_plane.domain}"
    ecs.fail_next_rollout()
    try:
        control_plane.create_service(domain.split(".")[0], domain)
        executions = control_plane.wait_idle()
    finally:
        ecs.clear_planned_failures()

    failed = [e for e in executions if e["status"] == "FAILED"]
    assert failed, "the failed rollout did not fail an execution"
    sfn = control_plane.client("stepfunctions")
    errors = {sfn.describe_execution(executionArn=e["executionArn"])["error"] for e in failed}
    assert "RolloutFailedError" in errors
    history = [ev for e in failed for ev in control_plane.history(e["executionArn"])]
    restored = [
        ev
        for ev in history
        if ev["type"] == "TaskStateExited"
        and ev["stateExitedEventDetails"]["name"] == "RestoreConfig"
    ]
    assert restored, "RestoreConfig never ran"
    restored_output = json.loads(restored[0]["stateExitedEventDetails"]["output"])
    assert restored_output["restore"]["restoredVersionId"]
    # The restore made the config from before the failed rollout current again. (A pass
    # requested during the failed run then runs in a fresh execution and may publish anew.)
    assert domain not in previous_text
    restored_text = (
        control_plane.client("s3")
        .get_object(
            Bucket=control_plane.outputs["ConfigBucketName"],
            Key=control_plane.outputs["ConfigObjectKey"],
            VersionId=restored_output["restore"]["restoredVersionId"],
        )["Body"]
        .read()
        .decode("utf-8")
    )
    assert restored_text == previous_text


def test_given_service_still_creating_when_it_becomes_active_then_a_later_pass_publishes_it(
    control_plane,
):
    from embedded_aws.compat import vpclattice

    control_plane.wait_idle()
    name = control_plane.unique("slow")
    domain = f"{name}.{control_plane.domain}"
    vpclattice.hold(name)
    try:
        control_plane.create_service(name, domain)
        first = _output(control_plane.reconcile({}))
        assert first["inProgressCount"] >= 1
        assert control_plane.record_target(control_plane.consumer_zone_id, domain) is None
        assert domain not in control_plane.config_text()
    finally:
        vpclattice.release(name)

    control_plane.wait_idle()
    output = _output(control_plane.reconcile({}))

    assert output["inProgressCount"] == 0
    assert control_plane.record_target(control_plane.consumer_zone_id, domain) is not None
    assert domain in control_plane.config_text()


def test_given_creating_service_when_execution_runs_then_its_bounded_later_pass_publishes_it(
    control_plane,
):
    """The same execution that saw CREATE_IN_PROGRESS publishes the service once ACTIVE."""
    control_plane.wait_idle()
    name = control_plane.unique("later")
    domain = f"{name}.{control_plane.domain}"

    control_plane.create_service(name, domain)  # ACTIVE after the emulator's provision delay
    output = _output(control_plane.reconcile({}))

    assert output["inProgressCount"] == 0
    assert control_plane.record_target(control_plane.consumer_zone_id, domain) is not None


@pytest.mark.parametrize(
    ("execution_input", "named"),
    [
        ({"dryRun": "yes"}, "dryRun"),
        ({"dryrun": True}, "dryrun"),
        ({"dryRun": True, "source": "x"}, "source"),
        ([1, 2], "JSON object"),
    ],
)
def test_given_malformed_manual_input_when_started_then_fails_at_once_naming_the_problem(
    control_plane, execution_input, named
):
    description = control_plane.reconcile(execution_input)

    assert description["status"] == "FAILED"
    assert description["error"] == "InvalidInputError"
    assert named in description["cause"]
    assert control_plane.entered_states(description["executionArn"]) == ["ParseTrigger"]


def test_given_burst_of_100_creations_then_one_config_version_and_one_rollout(control_plane):
    # The settle window (SettleSeconds, MaxSettleRounds) holds the first event's pass until
    # the burst's triggers stop arriving; later passes find nothing new to publish.
    control_plane.wait_idle()
    versions_before = len(control_plane.config_versions())
    prefix = control_plane.unique("burst")
    domains = [f"{prefix}-{i:03d}.{control_plane.domain}" for i in range(100)]

    for i, domain in enumerate(domains):
        control_plane.create_service(f"{prefix}-{i:03d}", domain)
    executions = control_plane.wait_idle()

    config = control_plane.config_text()
    assert all(domain in config for domain in domains)
    published = control_plane.records(control_plane.consumer_zone_id)
    assert all((domain, "CNAME") in published for domain in domains)
    assert len(control_plane.config_versions()) - versions_before == 1
    assert control_plane.rollouts_started(executions) == 1
    sfn = control_plane.client("stepfunctions")
    failures = [
        (d["error"], d["cause"][:300])
        for d in (
            sfn.describe_execution(executionArn=e["executionArn"])
            for e in executions
            if e["status"] == "FAILED"
        )
    ]
    # No control-plane error. Errors named plain "Exception" come from the emulator itself
    # (a KeyError while one thread copies os.environ as the in-process Lambda runtime
    # restores it; reported), never from a handler or the ASL.
    assert [f for f in failures if f[0] != "Exception"] == []
