"""ECS UpdateService(forceNewDeployment) rolls out like the ECS rolling-update scheduler."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from embedded_aws.compat import ecs

from .support import control, unique, wait_until

DEPLOYMENT_KEYS = {
    "id",
    "status",
    "taskDefinition",
    "desiredCount",
    "runningCount",
    "pendingCount",
    "rolloutState",
    "rolloutStateReason",
    "createdAt",
    "updatedAt",
}


@pytest.fixture
def rollout_seconds(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    def set_seconds(seconds: float) -> None:
        monkeypatch.setenv(ecs.ROLLOUT_SECONDS_ENV, str(seconds))

    set_seconds(0)
    return set_seconds


@pytest.fixture
def proxy_service(embedded: Any, rollout_seconds: Callable[[float], None]) -> dict[str, Any]:
    """A Fargate service of 2 tasks whose first deployment has completed."""
    client = embedded.client("ecs")
    cluster = unique("cluster")
    client.create_cluster(clusterName=cluster)
    task_definition = client.register_task_definition(
        family=unique("proxy"),
        containerDefinitions=[{"name": "nginx", "image": "nginx:1.22", "memory": 512}],
    )["taskDefinition"]
    client.create_service(
        cluster=cluster,
        serviceName="proxy",
        taskDefinition=task_definition["taskDefinitionArn"],
        desiredCount=2,
        launchType="FARGATE",
    )
    return {
        "client": client,
        "cluster": cluster,
        "service": "proxy",
        "taskDefinition": task_definition,
    }


def _deployments(svc: dict[str, Any]) -> list[dict[str, Any]]:
    described = svc["client"].describe_services(cluster=svc["cluster"], services=[svc["service"]])
    return described["services"][0]["deployments"]  # type: ignore[no-any-return]


def _force(svc: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return svc["client"].update_service(  # type: ignore[no-any-return]
        cluster=svc["cluster"], service=svc["service"], forceNewDeployment=True, **extra
    )["service"]


def test_given_new_service_when_described_then_first_deployment_completes(proxy_service):
    (deployment,) = _deployments(proxy_service)

    assert deployment["status"] == "PRIMARY"
    assert deployment["rolloutState"] == "COMPLETED"
    assert deployment["runningCount"] == deployment["desiredCount"] == 2


def test_given_completed_service_when_forced_then_new_primary_in_progress_and_old_active(
    proxy_service, rollout_seconds
):
    (before,) = _deployments(proxy_service)
    rollout_seconds(30)

    updated = _force(proxy_service)

    primary, draining = updated["deployments"]
    assert set(primary) >= DEPLOYMENT_KEYS
    assert primary["status"] == "PRIMARY"
    assert primary["id"] != before["id"]
    assert primary["id"].startswith("ecs-svc/")
    assert primary["rolloutState"] == "IN_PROGRESS"
    assert primary["runningCount"] == 0
    assert primary["desiredCount"] == 2
    assert primary["taskDefinition"] == before["taskDefinition"]
    assert draining["id"] == before["id"]
    assert draining["status"] == "ACTIVE"
    assert draining["runningCount"] == 2
    assert [d["id"] for d in _deployments(proxy_service)] == [primary["id"], before["id"]]


def test_given_rollout_delay_when_forced_then_completed_and_old_deployment_drained(
    proxy_service, rollout_seconds
):
    rollout_seconds(0.2)

    new_id = _force(proxy_service)["deployments"][0]["id"]

    def drained() -> list[dict[str, Any]] | None:
        deployments = _deployments(proxy_service)
        return deployments if len(deployments) == 1 else None

    (done,) = wait_until(drained)
    assert done["id"] == new_id
    assert done["status"] == "PRIMARY"
    assert done["rolloutState"] == "COMPLETED"
    assert done["rolloutStateReason"] == f"ECS deployment {new_id} completed."
    assert done["runningCount"] == 2
    assert done["updatedAt"] >= done["createdAt"]


def test_given_failure_planned_over_http_when_forced_then_rollout_fails_and_old_keeps_serving(
    embedded, proxy_service
):
    control(embedded, "POST", ecs.FAIL_NEXT_ROLLOUT_PATH, {"service": proxy_service["service"]})
    (before,) = _deployments(proxy_service)

    _force(proxy_service)

    primary, previous = _deployments(proxy_service)
    assert primary["rolloutState"] == "FAILED"
    assert "circuit breaker" in primary["rolloutStateReason"]
    assert primary["failedTasks"] > 0
    assert primary["runningCount"] == 0
    assert previous["id"] == before["id"]
    assert previous["status"] == "ACTIVE"
    assert previous["runningCount"] == 2


def test_given_one_planned_failure_when_forced_twice_then_only_first_rollout_fails(
    proxy_service,
):
    ecs.fail_next_rollout()

    _force(proxy_service)
    first = _deployments(proxy_service)[0]["rolloutState"]
    _force(proxy_service)

    assert first == "FAILED"
    assert [d["rolloutState"] for d in _deployments(proxy_service)] == ["COMPLETED"]


def test_given_new_task_definition_when_updated_then_new_deployment_runs_it(
    proxy_service, rollout_seconds
):
    client = proxy_service["client"]
    family = proxy_service["taskDefinition"]["family"]
    revision = client.register_task_definition(
        family=family,
        containerDefinitions=[{"name": "nginx", "image": "nginx:1.23", "memory": 512}],
    )["taskDefinition"]["taskDefinitionArn"]
    rollout_seconds(30)

    client.update_service(
        cluster=proxy_service["cluster"], service=proxy_service["service"], taskDefinition=revision
    )

    primary, previous = _deployments(proxy_service)
    assert primary["taskDefinition"] == revision
    assert previous["taskDefinition"] == proxy_service["taskDefinition"]["taskDefinitionArn"]


def test_given_scaling_only_when_updated_then_same_deployment(proxy_service):
    (before,) = _deployments(proxy_service)

    proxy_service["client"].update_service(
        cluster=proxy_service["cluster"], service=proxy_service["service"], desiredCount=3
    )

    (after,) = _deployments(proxy_service)
    assert after["id"] == before["id"]
    assert after["desiredCount"] == 3


def test_given_circuit_breaker_rollback_when_rollout_fails_then_last_completed_rolls_back(
    embedded, rollout_seconds
):
    client = embedded.client("ecs")
    cluster = unique("cluster")
    client.create_cluster(clusterName=cluster)
    family = unique("proxy")
    first, second = (
        client.register_task_definition(
            family=family,
            containerDefinitions=[{"name": "nginx", "image": image, "memory": 512}],
        )["taskDefinition"]["taskDefinitionArn"]
        for image in ("nginx:1.22", "nginx:broken")
    )
    created = client.create_service(
        cluster=cluster,
        serviceName="proxy",
        taskDefinition=first,
        desiredCount=2,
        launchType="FARGATE",
        deploymentConfiguration={
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
        },
    )["service"]
    svc = {"client": client, "cluster": cluster, "service": "proxy"}
    (good,) = _deployments(svc)
    ecs.fail_next_rollout()
    rollout_seconds(30)

    failing = client.update_service(cluster=cluster, service="proxy", taskDefinition=second)
    failing_id = failing["service"]["deployments"][0]["id"]
    ecs.finish_rollouts_now()  # the circuit breaker trips at the next read
    rolling_back = _deployments(svc)
    ecs.finish_rollouts_now()  # the rollback deployment completes at the next read
    rolled_back = _deployments(svc)

    assert created["deploymentConfiguration"]["deploymentCircuitBreaker"]["rollback"] is True
    primary, failed, previous = rolling_back
    assert failed["id"] == failing_id
    assert failed["status"] == "ACTIVE"
    assert failed["rolloutState"] == "FAILED"
    assert failed["taskDefinition"] == second
    assert primary["status"] == "PRIMARY"
    assert primary["rolloutState"] == "IN_PROGRESS"
    assert primary["taskDefinition"] == first
    assert primary["rolloutStateReason"] == (
        f"ECS deployment circuit breaker: rolling back to deploymentId {good['id']}."
    )
    assert previous["id"] == good["id"]
    (final,) = rolled_back
    assert final["id"] == primary["id"]
    assert final["rolloutState"] == "COMPLETED"
    assert final["taskDefinition"] == first
