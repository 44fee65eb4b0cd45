"""Redeploy mode, from the same fleet reports: the deployment a run starts replaces the task,
and the new task (started by that deployment) serves the version the run published.

template.yaml deployed with the local data plane (its task registered in the emulated ECS;
a new deployment replaces it with a new task ARN, as ECS would).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from runtime_helpers import eventually

from embedded_aws.executions import run_execution, wait_idle
from lattice_ingress.adapters.fleet import read_fleet

pytestmark = pytest.mark.dataplane

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
BOUND_SECONDS = 240.0


class StackTimeout(AssertionError):
    pass


@pytest.fixture(scope="module")
def deployed(embedded: Any) -> Iterator[tuple[Any, dict[str, Any]]]:
    from embedded_aws.dataplane import LocalDataPlane
    from embedded_aws.serve import LocalStack

    stack = LocalStack(
        embedded=embedded,
        template=TEMPLATE,
        params={**LocalDataPlane.reserve(embedded), "RolloutMode": "redeploy"},
        dataplane=True,
    )
    try:
        outputs = stack.start()
        arn = outputs["StateMachineArn"]
        _idle(embedded, arn)
        events = embedded.client("events")
        for name in events.list_rule_names_by_target(TargetArn=arn)["RuleNames"]:
            events.disable_rule(Name=name)  # only the test's own run
        yield stack, outputs
    finally:
        stack.stop()


def _idle(embedded: Any, arn: str) -> None:
    from embedded_aws.compat import cloudtrail

    wait_idle(
        embedded.client("stepfunctions"),
        arn,
        bound_seconds=BOUND_SECONDS,
        flush=cloudtrail.wait_for_delivery,
        timeout_error=StackTimeout,
    )


def test_given_redeploy_mode_when_a_run_rolls_out_then_the_new_task_reports_the_new_version(
    embedded: Any, deployed: tuple[Any, dict[str, Any]]
) -> None:
    stack, outputs = deployed
    plane = stack._dataplane
    before = plane.ecs_task_arn
    name = f"redeploy-{uuid.uuid4().hex[:6]}"
    lattice = embedded.client("vpc-lattice")
    service = lattice.create_service(name=name, customDomainName=f"{name}.{stack.fixtures.domain}")
    lattice.create_service_network_service_association(
        serviceIdentifier=service["id"], serviceNetworkIdentifier=outputs["ServiceNetworkId"]
    )

    execution = run_execution(
        embedded.client("stepfunctions"),
        outputs["StateMachineArn"],
        {},
        bound_seconds=BOUND_SECONDS,
        timeout_error=StackTimeout,
    )
    output = json.loads(execution["output"])
    version = output["config"]["versionId"]
    [deployment] = output["rollout"]["deploymentIds"]

    def fleet() -> list[Any]:
        return read_fleet(
            embedded.client("ecs"),
            embedded.client("s3"),
            outputs["ConfigBucketName"],
            outputs["ClusterName"],
            outputs["ProxyServiceName"],
        )

    def serving_new_version() -> bool:
        tasks = fleet()
        return bool(tasks) and all(
            t.report is not None and t.report.serving_version_id == version for t in tasks
        )

    assert execution["status"] == "SUCCEEDED"
    assert eventually(serving_new_version, attempts=200, interval=0.1)
    [task] = fleet()
    assert task.task_arn != before  # the deployment replaced the task
    assert task.started_by == deployment  # ... with one the run's deployment started
    assert task.report is not None and task.report.state == "applied"
    # Every report the new task ever made names the new version: it started on it.
    history = embedded.client("s3").list_object_versions(
        Bucket=outputs["ConfigBucketName"], Prefix=f"fleet/{task.task_arn.rsplit('/', 1)[-1]}.json"
    )["Versions"]
    reports = [
        json.loads(
            embedded.client("s3")
            .get_object(Bucket=outputs["ConfigBucketName"], Key=v["Key"], VersionId=v["VersionId"])[
                "Body"
            ]
            .read()
        )
        for v in history
    ]
    assert reports and {r["servingVersionId"] for r in reports} == {version}
