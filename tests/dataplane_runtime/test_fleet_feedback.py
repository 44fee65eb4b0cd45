"""Feedback from the fleet, end to end: template.yaml deployed in reload mode with the local
data plane (real NGINX running nginx/entrypoint.sh, registered as the proxy service's task in
the emulated ECS), the real ASL and handlers.

- a run waits until every running task reports the config version it published;
- a task that rejects the config fails the run, naming the task, and raises the
  ProxyConfigRejectedAlarm's metric over its threshold (EMF from the task's log);
- a task whose poller died fails the run after its bounded wait, naming the task, and
  raises the ProxyPollerStaleAlarm's metric (last: the task stays without its poller);
- the FleetStatus function's policy is least privilege (every call allowed, every
  statement needed).
"""

from __future__ import annotations

import json
import os
import signal
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from runtime_helpers import eventually

from embedded_aws.dataplane import plane as plane_module
from embedded_aws.dataplane.nginx_process import find_nginx
from embedded_aws.executions import run_execution, wait_idle
from embedded_aws.iam.authorizer import CALLS
from embedded_aws.iam.credentials import identity_policies
from embedded_aws.iam.policy import AuthRequest, evaluate
from lattice_ingress_cli.main import cli

pytestmark = pytest.mark.dataplane

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
BOUND_SECONDS = 240.0
# Services whose name holds this marker make the stand-in nginx refuse the config.
REJECT_MARKER = "rejectme"


class StackTimeout(AssertionError):
    pass


def refusing_nginx(directory: Path) -> str:
    """The real nginx, except that `nginx -t` refuses a config routing a REJECT_MARKER name.

    Stands in for a config that the fleet's nginx refuses (a directive or module the image
    lacks): the control plane renders only configs the real nginx accepts. Beside it, a
    `modules` link so the stream module of the real build is still found.
    """
    real = find_nginx()
    assert real is not None
    (directory / "bin").mkdir(parents=True)
    modules = Path(real).resolve().parent.parent / "modules"
    if modules.is_dir():
        (directory / "modules").symlink_to(modules)
    wrapper = directory / "bin" / "nginx"
    wrapper.write_text(
        "#!/bin/sh\n"
        'testing=""; conf=""; prev=""\n'
        'for arg in "$@"; do\n'
        '    [ "$arg" = -t ] && testing=1\n'
        '    [ "$prev" = -c ] && conf="$arg"\n'
        '    prev="$arg"\n'
        "done\n"
        f'if [ -n "$testing" ] && grep -q {REJECT_MARKER} "$conf"; then\n'
        f'    echo "nginx: [emerg] unknown directive \\"{REJECT_MARKER}\\" in $conf" >&2\n'
        "    exit 1\n"
        "fi\n"
        f'exec "{real}" "$@"\n'
    )
    wrapper.chmod(0o755)
    return str(wrapper)


class FleetStack:
    def __init__(self, embedded: Any, stack: Any, outputs: dict[str, Any]) -> None:
        self.embedded = embedded
        self.stack = stack
        self.outputs = outputs
        assert stack.fixtures is not None
        self.domain = stack.fixtures.domain

    @property
    def plane(self) -> Any:
        return self.stack._dataplane

    def associate(self, name: str) -> str:
        lattice = self.embedded.client("vpc-lattice")
        service = lattice.create_service(name=name, customDomainName=f"{name}.{self.domain}")
        lattice.create_service_network_service_association(
            serviceIdentifier=service["id"],
            serviceNetworkIdentifier=self.outputs["ServiceNetworkId"],
        )
        return str(service["id"])

    def dissociate(self, service_id: str) -> None:
        lattice = self.embedded.client("vpc-lattice")
        for item in lattice.list_service_network_service_associations(serviceIdentifier=service_id)[
            "items"
        ]:
            lattice.delete_service_network_service_association(
                serviceNetworkServiceAssociationIdentifier=item["id"]
            )

    def wait_idle(self) -> None:
        from embedded_aws.compat import cloudtrail

        wait_idle(
            self.embedded.client("stepfunctions"),
            self.outputs["StateMachineArn"],
            bound_seconds=BOUND_SECONDS,
            flush=cloudtrail.wait_for_delivery,
            timeout_error=StackTimeout,
        )

    def reconcile(self) -> dict[str, Any]:
        self.wait_idle()
        return run_execution(
            self.embedded.client("stepfunctions"),
            self.outputs["StateMachineArn"],
            {},
            bound_seconds=BOUND_SECONDS,
            timeout_error=StackTimeout,
        )

    def resource(self, logical_id: str) -> str:
        return str(self.stack.deployment.resources[logical_id].physical_id)


@pytest.fixture(scope="module")
def fleet(embedded: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FleetStack]:
    from embedded_aws.dataplane import LocalDataPlane
    from embedded_aws.serve import LocalStack

    wrapper = refusing_nginx(tmp_path_factory.mktemp("nginx"))
    original = plane_module.find_nginx
    plane_module.find_nginx = lambda: wrapper
    stack = LocalStack(
        embedded=embedded,
        template=TEMPLATE,
        # 30 looks at the fleet (1 s apart locally) before a run gives up on a task: a poll
        # takes a few seconds of AWS CLI start-up on a busy machine (bench/bench_fleet.py).
        params={
            **LocalDataPlane.reserve(embedded),
            "RolloutMode": "reload",
            "RolloutMaxPolls": "30",
        },
        dataplane=True,
    )
    try:
        outputs = stack.start()
        handle = FleetStack(embedded, stack, outputs)
        handle.wait_idle()
        # Only the tests' own runs: an association must not start a run of its own first.
        disable_rules(embedded, outputs["StateMachineArn"])
        CALLS.clear()
        yield handle
    finally:
        plane_module.find_nginx = original
        stack.stop()


def disable_rules(embedded: Any, state_machine_arn: str) -> None:
    events = embedded.client("events")
    for name in events.list_rule_names_by_target(TargetArn=state_machine_arn)["RuleNames"]:
        events.disable_rule(Name=name)


def output_of(execution: dict[str, Any]) -> dict[str, Any]:
    assert execution["status"] == "SUCCEEDED", execution.get("cause") or execution
    return dict(json.loads(execution["output"]))


def test_given_reload_mode_when_a_service_is_published_then_the_run_waits_for_the_fleet(
    fleet: FleetStack,
) -> None:
    fleet.associate(f"fleet-{uuid.uuid4().hex[:6]}")

    output = output_of(fleet.reconcile())

    version = output["config"]["versionId"]
    seen = output["rollout"]["fleet"]
    task_arn = fleet.plane.ecs_task_arn
    assert output["config"]["changed"] is True and version
    assert seen["complete"] is True
    assert seen["expectedVersionId"] == version
    assert seen["applied"] == [task_arn] and seen["pending"] == [] and seen["rejected"] == []
    [task] = seen["tasks"]
    assert task["servingVersionId"] == version and task["state"] == "applied"
    # What the run saw is what the task reported (and what it serves).
    report = fleet.embedded.client("s3").get_object(
        Bucket=fleet.outputs["ConfigBucketName"], Key=f"fleet/{task_arn.rsplit('/', 1)[-1]}.json"
    )
    assert json.loads(report["Body"].read())["servingVersionId"] == version


def test_given_the_fleet_when_status_is_asked_then_it_shows_the_version_each_task_serves(
    fleet: FleetStack, tmp_path: Path
) -> None:
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps(fleet.outputs))
    version = fleet.embedded.client("s3").head_object(
        Bucket=fleet.outputs["ConfigBucketName"], Key=fleet.outputs["ConfigObjectKey"]
    )["VersionId"]
    task_arn = fleet.plane.ecs_task_arn

    as_json = CliRunner().invoke(
        cli, ["status", "--output", "json", "--outputs", str(outputs_file)]
    )
    as_table = CliRunner().invoke(cli, ["status", "--outputs", str(outputs_file)])

    assert as_json.exit_code == 0, as_json.output
    [task] = json.loads(as_json.stdout)["fleet"]
    assert task["taskArn"] == task_arn and task["taskId"] == task_arn.rsplit("/", 1)[-1]
    assert task["servingVersionId"] == version and task["current"] is True
    assert task["lastDecision"] == "applied"
    assert as_table.exit_code == 0, as_table.output
    assert "Fleet (config version each proxy task serves)" in as_table.stdout
    [row] = [line for line in as_table.stdout.splitlines() if task["taskId"] in line]
    assert version in row and "yes" in row


def _statistics(cloudwatch: Any, alarm: dict[str, Any]) -> list[float]:
    now = datetime.now(UTC)
    period = int(alarm["Period"])
    stats = cloudwatch.get_metric_statistics(
        Namespace=alarm["Namespace"],
        MetricName=alarm["MetricName"],
        Dimensions=alarm["Dimensions"],
        StartTime=now - timedelta(seconds=period * int(alarm["EvaluationPeriods"]) + 60),
        EndTime=now + timedelta(seconds=60),
        Period=period,
        Statistics=[alarm["Statistic"]],
    )
    return [float(point[alarm["Statistic"]]) for point in stats["Datapoints"]]


def alarm_breached(cloudwatch: Any, alarm: dict[str, Any]) -> bool:
    """The alarm's own definition evaluated on its metric (moto stores alarms, evaluates none)."""
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    return any(value >= alarm["Threshold"] for value in _statistics(cloudwatch, alarm))


def datapoints(cloudwatch: Any, alarm: dict[str, Any]) -> float:
    """How much of the alarm's metric there is in its window (to see it grow)."""
    return sum(_statistics(cloudwatch, alarm))


def test_given_reload_mode_when_a_task_rejects_the_config_then_the_run_names_it_and_the_alarm_fires(
    fleet: FleetStack,
) -> None:
    cloudwatch = fleet.embedded.client("cloudwatch")
    [alarm] = cloudwatch.describe_alarms(AlarmNames=[fleet.resource("ProxyConfigRejectedAlarm")])[
        "MetricAlarms"
    ]
    before = datapoints(cloudwatch, alarm)
    service_id = fleet.associate(f"{REJECT_MARKER}-{uuid.uuid4().hex[:6]}")

    try:
        execution = fleet.reconcile()
        breached = eventually(
            lambda: datapoints(cloudwatch, alarm) > before and alarm_breached(cloudwatch, alarm),
            attempts=200,
            interval=0.1,
        )
    finally:
        fleet.dissociate(service_id)

    task_id = fleet.plane.ecs_task_arn.rsplit("/", 1)[-1]
    assert execution["status"] == "FAILED"
    assert execution["error"] == "FleetRejectedConfigError"
    assert task_id in execution["cause"] and "rejected it" in execution["cause"]
    assert breached
    assert alarm["AlarmActions"] == [fleet.outputs["NotificationTopicArn"]]
    # The next run publishes a config without the refused name, and the fleet applies it.
    recovered = output_of(fleet.reconcile())
    assert recovered["rollout"]["fleet"]["complete"] is True


def test_given_a_task_without_report_then_it_is_pending_and_the_policy_is_least_privilege(
    fleet: FleetStack,
) -> None:
    function = fleet.resource("FleetStatusFunction")
    task_arn = fleet.plane.ecs_task_arn
    bucket = fleet.outputs["ConfigBucketName"]
    # As if the task had not reported yet: its read must be a 404 (ListBucket), not a 403.
    fleet.embedded.client("s3").delete_object(
        Bucket=bucket, Key=f"fleet/{task_arn.rsplit('/', 1)[-1]}.json"
    )
    answer = fleet.embedded.client("lambda").invoke(
        FunctionName=function,
        Payload=json.dumps(
            {
                "cluster": fleet.outputs["ClusterName"],
                "service": fleet.outputs["ProxyServiceName"],
                "versionId": "not-yet-published",
                "maxAttempts": 5,
            }
        ),
    )
    seen = json.loads(answer["Payload"].read())

    assert seen["complete"] is False and seen["pending"] == [task_arn], seen
    assert seen["waitSeconds"] >= 1 and seen["attempt"] == 1
    role_arn = fleet.embedded.client("lambda").get_function_configuration(FunctionName=function)[
        "Role"
    ]
    calls = [c for c in CALLS.snapshot() if c.role_arn == role_arn]
    documents = [json.loads(d) for d in identity_policies(role_arn)]
    principal = f"arn:aws:sts::123456789012:assumed-role/{role_arn.rsplit('/', 1)[-1]}/x"
    assert calls and all(c.allowed for c in calls), [c for c in calls if not c.allowed]
    for p, document in enumerate(documents):
        for s, statement in enumerate(document["Statement"]):
            actions = statement["Action"]
            actions = [actions] if isinstance(actions, str) else actions
            if all(a.startswith(("logs:", "xray:")) for a in actions):
                continue  # used by Lambda itself, never by a call of ours
            reduced = json.loads(json.dumps(documents))
            del reduced[p]["Statement"][s]
            refused = [
                c
                for c in calls
                if not evaluate(
                    reduced,
                    AuthRequest(
                        principal, c.action, c.resource, {k: list(v) for k, v in c.context}
                    ),
                ).allowed
            ]
            assert refused, f"statement not needed: {statement}"


def test_given_the_poller_died_when_a_run_publishes_then_it_names_the_task_and_the_alarm_fires(
    fleet: FleetStack,
) -> None:
    cloudwatch = fleet.embedded.client("cloudwatch")
    [alarm] = cloudwatch.describe_alarms(AlarmNames=[fleet.resource("ProxyPollerStaleAlarm")])[
        "MetricAlarms"
    ]
    before = datapoints(cloudwatch, alarm)
    fetcher = fleet.plane.task._fetcher  # the config-fetcher container dies
    assert fetcher is not None
    os.killpg(fetcher.pid, signal.SIGKILL)
    fleet.associate(f"fleet-{uuid.uuid4().hex[:6]}")

    execution = fleet.reconcile()
    breached = eventually(
        lambda: datapoints(cloudwatch, alarm) > before and alarm_breached(cloudwatch, alarm),
        attempts=300,
        interval=0.1,
    )

    task_id = fleet.plane.ecs_task_arn.rsplit("/", 1)[-1]
    assert execution["status"] == "FAILED"
    assert execution["error"] == "FleetNotConvergedError"
    assert "after 30 looks" in execution["cause"] and task_id in execution["cause"]
    assert breached
    assert fleet.plane.task.serving  # nginx keeps serving its last config
