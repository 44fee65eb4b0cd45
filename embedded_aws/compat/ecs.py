"""ECS deployments that roll out, as the rolling-update scheduler reports them.

moto 5.2.x answers UpdateService(forceNewDeployment) by renaming the one deployment: there is
no new PRIMARY, no draining ACTIVE deployment and no rolloutState progression. Here:

- CreateService's first deployment completes the same way;
- UpdateService with forceNewDeployment (or a new task definition) adds a PRIMARY deployment
  (rolloutState IN_PROGRESS, runningCount 0); the previous ones become ACTIVE and keep their
  tasks (they drain);
- after `LATTICE_INGRESS_LOCAL_ROLLOUT_SECONDS` (default 1, 0 = at the next read) the
  PRIMARY one is COMPLETED with all tasks running and the ACTIVE ones are gone;
- a rollout can be made to FAIL as the deployment circuit breaker does (rolloutState
  FAILED, failedTasks > 0, the previous deployment keeps serving); when the service's
  deploymentConfiguration has `deploymentCircuitBreaker {enable: true, rollback: true}`, the
  failed deployment turns ACTIVE and a new PRIMARY deployment of the last completed task
  definition rolls out, as ECS's rollback does:
  `POST /_lattice_ingress/ecs/fail-next-rollout` (body optional:
  `{"service": "<name>", "reason": "..."}`) or `fail_next_rollout()` in-process.
  `DELETE` on the same path forgets pending failures. Only deployments started by
  UpdateService consume a planned failure.
- `hold_rollouts()` keeps every rollout in progress, and every one started after it,
  IN_PROGRESS until `release_rollouts()` (a test's "slow rollout", without timing);
  `release_rollouts(keep_holding=True)` lets those finish but holds the next ones.

Progress is applied lazily, whenever DescribeServices or UpdateService reads the service.

ListTasks as ECS answers it: moto ignores `serviceName` (it returns every task of the
cluster) and lists stopped tasks without being asked. Here a service's tasks are those whose
group is `service:<name>` (what ECS sets on the tasks a service starts; the local data plane
registers its task that way), and `desiredStatus` defaults to RUNNING. RunTask of a Fargate
task definition whose containers set no memory (valid: the task size covers them) no longer
crashes moto's placement arithmetic: a Fargate task needs no container instance anyway;
nor does its ENI in a VPC without DNS hostnames (moto then never sets `private_dns_name`,
which the task's attachment reads).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from moto.core.utils import utcnow
from moto.ec2.models import elastic_network_interfaces as ec2_eni
from moto.ecs import models as ecs_models
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.moto_api._internal import mock_random
from werkzeug.wrappers import Request, Response

from embedded_aws.compat.control import control_endpoint, json_response, seconds_from_env

if TYPE_CHECKING:
    from embedded_aws.server import EmbeddedAws

ROLLOUT_SECONDS_ENV = "LATTICE_INGRESS_LOCAL_ROLLOUT_SECONDS"
DEFAULT_ROLLOUT_SECONDS = 1.0
FAIL_NEXT_ROLLOUT_PATH = "/_lattice_ingress/ecs/fail-next-rollout"
CIRCUIT_BREAKER_REASON = (
    "ECS deployment circuit breaker: tasks failed to start. "
    "Amazon ECS detected failures while placing the service's tasks."
)


@dataclass
class Rollout:
    done_at: float
    failure_reason: str | None = None


@dataclass
class PlannedFailure:
    service: str | None
    reason: str


_lock = threading.RLock()
_rollouts: dict[str, Rollout] = {}
_planned_failures: list[PlannedFailure] = []
_patched = False
_hold_new = False
_held: set[str] = set()


# -- public in-process API -----------------------------------------------------------------
def fail_next_rollout(service: str | None = None, reason: str = CIRCUIT_BREAKER_REASON) -> None:
    """The next deployment started (for `service`, or any service) ends FAILED."""
    with _lock:
        _planned_failures.append(PlannedFailure(service=service, reason=reason))


def clear_planned_failures() -> None:
    with _lock:
        _planned_failures.clear()


def finish_rollouts_now() -> None:
    """Make every rollout in progress due: the next read completes (or fails) it."""
    with _lock:
        for rollout in _rollouts.values():
            rollout.done_at = 0.0


def hold_rollouts() -> None:
    """No rollout finishes until `release_rollouts()`: a deterministic slow deployment."""
    global _hold_new
    with _lock:
        _hold_new = True
        _held.update(_rollouts)


def release_rollouts(keep_holding: bool = False) -> None:
    """The held rollouts proceed; with `keep_holding`, rollouts started from now on are held."""
    global _hold_new
    with _lock:
        _held.clear()
        _hold_new = keep_holding


def rollout_seconds() -> float:
    return seconds_from_env(ROLLOUT_SECONDS_ENV, DEFAULT_ROLLOUT_SECONDS)


def _schedule_rollout(deployment_id: str, failure_reason: str | None = None) -> None:
    """The deployment's rollout ends (COMPLETED, or FAILED with the reason) after the delay."""
    with _lock:
        _rollouts[deployment_id] = Rollout(
            done_at=time.monotonic() + rollout_seconds(), failure_reason=failure_reason
        )
        if _hold_new:
            _held.add(deployment_id)


def _take_planned_failure(service_name: str) -> str | None:
    with _lock:
        for planned in _planned_failures:
            if planned.service in (None, service_name):
                _planned_failures.remove(planned)
                return planned.reason
    return None


# -- deployment progression ---------------------------------------------------------------
def settle(service: Any) -> None:
    """Finish the PRIMARY deployment's rollout if it is due."""
    with _lock:
        if not service.deployments or service.deployments[0]["id"] in _held:
            return
        primary = service.deployments[0]
        rollout = _rollouts.get(primary["id"])
        if rollout is None or time.monotonic() < rollout.done_at:
            return
        del _rollouts[primary["id"]]
        now = utcnow()
        primary["updatedAt"] = now
        if rollout.failure_reason is not None:
            primary.update(
                rolloutState="FAILED",
                rolloutStateReason=rollout.failure_reason,
                failedTasks=max(primary.get("desiredCount") or 0, 1),
                runningCount=0,
                pendingCount=0,
            )
            _roll_back(service)
            return
        desired = primary.get("desiredCount") or 0
        primary.update(
            rolloutState="COMPLETED",
            rolloutStateReason=f"ECS deployment {primary['id']} completed.",
            runningCount=desired,
            pendingCount=0,
        )
        service.deployments = [primary]
        service.running_count = desired
        service.pending_count = 0


def rolls_back(service: Any) -> bool:
    """deploymentConfiguration.deploymentCircuitBreaker {enable, rollback} both on."""
    configuration = getattr(service, "deployment_configuration", None) or {}
    breaker = configuration.get("deploymentCircuitBreaker") or {}
    return bool(breaker.get("enable") and breaker.get("rollback"))


def _roll_back(service: Any) -> None:
    """As ECS does with rollback on: a new PRIMARY deployment of the last completed one."""
    if not rolls_back(service):
        return
    last_good = next(
        (d for d in service.deployments[1:] if d.get("rolloutState") == "COMPLETED"), None
    )
    if last_good is None:
        return
    service.task_definition = last_good["taskDefinition"]
    rollback = start_deployment(service, list(service.deployments), planned_failures=False)
    rollback["rolloutStateReason"] = (
        f"ECS deployment circuit breaker: rolling back to deploymentId {last_good['id']}."
    )


def start_deployment(
    service: Any, previous: list[dict[str, Any]], planned_failures: bool = True
) -> dict[str, Any]:
    """A new PRIMARY deployment for the service's current task definition; old ones drain."""
    now = utcnow()
    deployment_id = f"ecs-svc/{mock_random.randint(0, 10**19 - 1):019d}"
    template = previous[0] if previous else {}
    desired = service.desired_count
    primary = {
        **template,
        "id": deployment_id,
        "status": "PRIMARY",
        "taskDefinition": service.task_definition,
        "desiredCount": desired,
        "pendingCount": desired,
        "runningCount": 0,
        "failedTasks": 0,
        "rolloutState": "IN_PROGRESS",
        "rolloutStateReason": f"ECS deployment {deployment_id} in progress.",
        "createdAt": now,
        "updatedAt": now,
    }
    draining = [{**old, "status": "ACTIVE", "updatedAt": now} for old in previous]
    service.deployments = [primary, *draining]
    failure = _take_planned_failure(service.name) if planned_failures else None
    _schedule_rollout(deployment_id, failure)
    return primary


def _update_service(original: Callable[..., Any]) -> Callable[..., Any]:
    def update_service(self: Any, service_properties: dict[str, Any]) -> Any:
        cluster = service_properties.get("cluster", "default")
        name = str(service_properties.get("service", "")).split("/")[-1]
        force = bool(service_properties.get("force_new_deployment"))
        new_task_definition = service_properties.get("task_definition")
        current = self._get_service(cluster, name)
        settle(current)
        before_task_definition = current.task_definition
        previous = [dict(d) for d in current.deployments]
        service = original(self, service_properties)
        changed = (
            new_task_definition is not None and service.task_definition != before_task_definition
        )
        if (force or changed) and service.deployment_controller.get("type") == "ECS":
            start_deployment(service, previous)
        elif service.deployments:
            # moto renames the deployment on force; scaling alone keeps the PRIMARY one.
            service.deployments = [previous[0] | {"desiredCount": service.desired_count}] + [
                dict(d) for d in previous[1:]
            ]
        return service

    return update_service


def _create_service(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_service(self: Any, *args: Any, **kwargs: Any) -> Any:
        service = original(self, *args, **kwargs)
        # The first deployment rolls out too (moto leaves it IN_PROGRESS for good).
        for deployment in service.deployments:
            if deployment.get("rolloutState") == "IN_PROGRESS":
                _schedule_rollout(deployment["id"])
        return service

    return create_service


def _respond_create_service(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_service(self: Any) -> Any:
        result = original(self)
        # moto drops deploymentConfiguration; the circuit breaker's rollback needs it.
        configuration = self._get_param("deploymentConfiguration")
        if configuration:
            result.result["service"].deployment_configuration = configuration
        return result

    return create_service


def _describe_services(original: Callable[..., Any]) -> Callable[..., Any]:
    def describe_services(self: Any, *args: Any, **kwargs: Any) -> Any:
        services, failures = original(self, *args, **kwargs)
        for service in services:
            settle(service)
        return services, failures

    return describe_services


def _list_tasks(original: Callable[..., Any]) -> Callable[..., Any]:
    def list_tasks(
        self: Any,
        cluster_str: str | None = None,
        container_instance: str | None = None,
        family: str | None = None,
        started_by: str | None = None,
        service_name: str | None = None,
        desiredStatus: str | None = None,
    ) -> Any:
        tasks = original(
            self,
            cluster_str,
            container_instance,
            family,
            started_by,
            None,
            desiredStatus or "RUNNING",
        )
        if service_name:
            group = "service:" + service_name.rsplit("/", 1)[-1]
            tasks = [task for task in tasks if task.group == group]
        return tasks

    return list_tasks


def _task_resource_requirements(original: Callable[..., Any]) -> Callable[..., Any]:
    def requirements(self: Any, task_definition: Any) -> Any:
        keys = ("memory", "memoryReservation", "Memory", "MemoryReservation")
        if any(all(c.get(k) is None for k in keys) for c in task_definition.container_definitions):
            # Task-level size only (Fargate): nothing for moto to add up per container.
            return {"CPU": 0, "MEMORY": 0, "PORTS": [], "PORTS_UDP": []}
        return original(task_definition)  # a staticmethod in moto

    return requirements


def _patch_moto() -> None:
    global _patched
    if _patched:
        return
    backend: Any = ecs_models.EC2ContainerServiceBackend
    backend.create_service = _create_service(backend.create_service)
    backend.update_service = _update_service(backend.update_service)
    backend.describe_services = _describe_services(backend.describe_services)
    backend.list_tasks = _list_tasks(backend.list_tasks)
    eni: Any = ec2_eni.NetworkInterface
    if not hasattr(eni, "private_dns_name"):
        eni.private_dns_name = ""  # AWS: no DNS hostname in such a VPC
    backend._calculate_task_resource_requirements = _task_resource_requirements(
        backend._calculate_task_resource_requirements
    )
    response: Any = EC2ContainerServiceResponse
    response.create_service = _respond_create_service(response.create_service)
    _patched = True


# -- local control endpoint ---------------------------------------------------------------
def _answer_fail_next(request: Request) -> Response:
    if request.method == "POST":
        body = request.get_json(force=True, silent=True) or {}
        service = body.get("service")
        reason = body.get("reason") or CIRCUIT_BREAKER_REASON
        fail_next_rollout(service if isinstance(service, str) else None, str(reason))
    elif request.method == "DELETE":
        clear_planned_failures()
    else:
        return Response("", 405)
    with _lock:
        planned = [{"service": p.service, "reason": p.reason} for p in _planned_failures]
    return json_response({"planned": planned})


_fail_next_middleware = control_endpoint(FAIL_NEXT_ROLLOUT_PATH, _answer_fail_next)


def install(embedded: EmbeddedAws) -> None:
    _patch_moto()
    embedded.add_middleware(_fail_next_middleware)
