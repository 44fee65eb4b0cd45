"""The local data plane: the proxy fleet of template.yaml, on 127.0.0.1, against the emulator.

    overrides = LocalDataPlane.reserve(embedded)        # before the deploy: ports, resolver
    outputs = deploy(embedded, "template.yaml", {**other_overrides, **overrides})
    plane = LocalDataPlane(embedded, outputs)
    ports = plane.start()       # {"ProxyTlsPort": ..., "ProxyHttpPort": ...}
    ...
    plane.stop()

The ports and the resolver address end up in the rendered NGINX config (the control plane
renders it from template parameters), so they are chosen before the deploy and read back
from the stack outputs (ConfiguredTlsPorts, ConfiguredHttpPort, ConfiguredResolverAddress).

What runs:
- one emulated proxy task (`runner.ProxyTask`): nginx/entrypoint.sh fetching the config from
  the emulated S3 object (ConfigBucketName / ConfigObjectKey) and serving it;
- a DNS resolver answering each emulated Lattice service's dnsEntry with its own 127.0.x.y;
- one stand-in backend per Lattice service (TLS and HTTP, on the proxy's own ports), kept in
  step with the emulated VPC Lattice API (ListServices);
- in step with ECS: a new deployment of the proxy service (redeploy rollout) makes the task
  fetch, validate and reload; in reload mode the entrypoint's ETag poll does it.
- the task is registered in the emulated ECS as a running task of the proxy service (group
  `service:<name>`, startedBy its deployment), so ListTasks/DescribeTasks list it as ECS
  would; a new deployment replaces it with a new task ARN. The fetcher reports under it.
- what CloudWatch Logs does with the task's log: EMF records become CloudWatch metrics
  (`emf.EmfExtractor`), so the stack's fleet alarms can be evaluated.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import BotoCoreError, ClientError

from embedded_aws.dataplane.backends import (
    StandInBackends,
    StandInBackendsError,
    StandInService,
    free_port,
    loopback_address,
)
from embedded_aws.dataplane.dns import LocalResolver
from embedded_aws.dataplane.emf import EmfExtractor
from embedded_aws.dataplane.nginx_process import find_nginx, stream_module_for
from embedded_aws.dataplane.runner import (
    ProxyTask,
    ProxyTaskError,
    ProxyTaskSettings,
    RolloutMode,
)
from embedded_aws.iam.credentials import role_session

if TYPE_CHECKING:
    from embedded_aws.server import EmbeddedAws

logger = logging.getLogger(__name__)

LOCAL_LISTEN_ADDRESS = "127.0.0.1"
# The proxy's PROXY-protocol senders and clients are all on loopback locally.
LOCAL_CIDR = "127.0.0.0/8"
_WATCH_INTERVAL_SECONDS = 0.5


class LocalDataPlaneError(RuntimeError):
    """The local data plane is missing its reservation, its outputs, or failed to start."""


@dataclass
class _Reservation:
    resolver: LocalResolver
    tls_ports: list[int]
    http_port: int | None


# Reservations by resolver address: `reserve()` runs before the deploy, `start()` after,
# and the address travels through the stack outputs in between.
_reservations: dict[str, _Reservation] = {}
_reservations_lock = threading.Lock()


class LocalDataPlane:
    """Real NGINX with the proxy task's entrypoint, a resolver and stand-in backends."""

    def __init__(self, embedded: EmbeddedAws, outputs: Mapping[str, Any]) -> None:
        self.embedded = embedded
        self.outputs = dict(outputs)
        self._reservation: _Reservation | None = None
        self._backends: StandInBackends | None = None
        self._task: ProxyTask | None = None
        self._workdir: tempfile.TemporaryDirectory[str] | None = None
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._addresses: dict[str, str] = {}  # service name -> its loopback address
        self._deployment_id: str | None = None
        self._ecs_task_arn: str | None = None
        self._emf: EmfExtractor | None = None

    # -- before the deploy -------------------------------------------------------------
    @classmethod
    def reserve(cls, embedded: EmbeddedAws, *, http: bool = True) -> dict[str, str]:
        """Start the resolver, choose the proxy ports; returns template parameter overrides."""
        del embedded  # one emulator per process; kept for symmetry with start()
        resolver = LocalResolver().start()
        reservation = _Reservation(resolver, [free_port()], free_port() if http else None)
        with _reservations_lock:
            _reservations[resolver.address] = reservation
        return {
            "ProxyTlsPorts": ",".join(str(p) for p in reservation.tls_ports),
            "EnableHttpListener": "true" if http else "false",
            **({"ProxyHttpPort": str(reservation.http_port)} if http else {}),
            "ResolverAddress": resolver.address,
            "ProxyListenAddress": LOCAL_LISTEN_ADDRESS,
            "VpcCidr": LOCAL_CIDR,
            "AllowedClientCidrs": LOCAL_CIDR,
        }

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> dict[str, int]:
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> dict[str, int]:
        self._reservation = self._claim_reservation()
        tls_ports = self._reservation.tls_ports
        http_port = self._reservation.http_port
        self._backends = StandInBackends([], tls_ports=tls_ports, http_port=http_port).start()
        self._sync_services()  # names resolve before nginx's first lookup
        self._workdir = tempfile.TemporaryDirectory(prefix="lattice-dataplane-")
        workdir = Path(self._workdir.name)
        self._deployment_id = self._primary_deployment()
        self._ecs_task_arn = self._register_task(self._deployment_id)
        self._task = ProxyTask(self._task_settings(workdir), workdir / "task").start()
        self._emf = EmfExtractor(self._task.log_path)
        self._watcher = threading.Thread(
            target=self._watch, name="local-dataplane-watch", daemon=True
        )
        self._watcher.start()
        ports = {"ProxyTlsPort": tls_ports[0]}
        if http_port is not None:
            ports["ProxyHttpPort"] = http_port
        return ports

    def stop(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=10)
            self._watcher = None
        if self._task is not None:
            self._task.stop()
            self._task = None
        self._deregister_task()
        if self._backends is not None:
            self._backends.stop()
            self._backends = None
        if self._reservation is not None:
            self._reservation.resolver.stop()
            self._reservation = None
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None

    def __enter__(self) -> LocalDataPlane:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- for clients, tests and the demo -----------------------------------------------
    @property
    def ca_path(self) -> Path:
        """The CA of the stand-ins' certificates (clients verify them end to end)."""
        return self._running(self._backends).ca_path

    @property
    def task(self) -> ProxyTask:
        """The emulated proxy task (its entrypoint events show fetches and reloads)."""
        return self._running(self._task)

    @property
    def ecs_task_arn(self) -> str | None:
        """The task's ARN in the emulated ECS (what ListTasks of the proxy service answers)."""
        return self._ecs_task_arn

    @property
    def services(self) -> list[StandInService]:
        return self._running(self._backends).services

    # -- internals ---------------------------------------------------------------------
    def _claim_reservation(self) -> _Reservation:
        address = str(self.outputs.get("ConfiguredResolverAddress", ""))
        with _reservations_lock:
            reservation = _reservations.pop(address, None)
        if reservation is None:
            raise LocalDataPlaneError(
                f"no reservation for resolver {address!r}: call LocalDataPlane.reserve(embedded) "
                "before the deploy and pass its parameter overrides"
            )
        return reservation

    def _task_settings(self, workdir: Path) -> ProxyTaskSettings:
        try:
            bucket = str(self.outputs["ConfigBucketName"])
            key = str(self.outputs["ConfigObjectKey"])
        except KeyError as exc:
            raise LocalDataPlaneError(f"stack output missing: {exc}") from exc
        mode = str(self.outputs.get("RolloutMode") or "redeploy")
        if mode not in ("redeploy", "reload"):
            raise LocalDataPlaneError(f"unknown RolloutMode {mode!r}")
        binary = find_nginx()
        if binary is None:
            raise LocalDataPlaneError("nginx not installed (run scripts/install-nginx.sh)")
        # The official image builds the stream module in; Debian's nginx loads it. The
        # rendered config sets no pid file (production needs none): keep ours private.
        directives = f"pid {workdir}/nginx.pid;"
        if module := stream_module_for(binary):
            directives = f"load_module {module}; {directives}"
        return ProxyTaskSettings(
            endpoint=self.embedded.endpoint,
            region=self.embedded.region,
            bucket=bucket,
            key=key,
            rollout_mode=cast(RolloutMode, mode),
            # The control plane may publish the first config only after its first run.
            fetch_max_attempts=100_000,
            global_directives=directives,
            nginx_bin=binary,
            credentials=self._task_role_credentials(),
            task_arn=self._ecs_task_arn or "",
            fleet_name=self._container_environment("nginx").get("FLEET_NAME", "lattice-ingress"),
        )

    def _container_environment(self, container: str) -> dict[str, str]:
        """A container's environment in the registered task definition ({} without one)."""
        arn = self.outputs.get("ProxyTaskDefinitionArn")
        if not arn:
            return {}
        definition = self.embedded.client("ecs").describe_task_definition(taskDefinition=str(arn))
        for item in definition["taskDefinition"].get("containerDefinitions", []):
            if item.get("name") == container:
                return {e["name"]: e["value"] for e in item.get("environment", [])}
        return {}

    def _task_role_credentials(self) -> dict[str, str] | None:
        """The task definition's task role, assumed as ECS would for the containers."""
        arn = self.outputs.get("ProxyTaskDefinitionArn")
        if not arn:
            return None
        definition = self.embedded.client("ecs").describe_task_definition(taskDefinition=str(arn))
        role_arn = definition["taskDefinition"].get("taskRoleArn")
        if not role_arn:
            return None
        return role_session(role_arn, "proxy-task", self.embedded.region).environment()

    def _watch(self) -> None:
        while not self._stop.wait(_WATCH_INTERVAL_SECONDS):
            try:
                self._sync_services()
                self._follow_deployments()
                if self._emf is not None:
                    self._emf.drain(self.embedded.client("cloudwatch"))
            except (ClientError, BotoCoreError, ProxyTaskError, StandInBackendsError) as exc:
                logger.warning("local data plane: %s", exc)

    def _sync_services(self) -> None:
        """One stand-in per Lattice service in the emulator; resolver records to match."""
        backends = self._running(self._backends)
        lattice = self.embedded.client("vpc-lattice")
        wanted: dict[str, StandInService] = {}
        for page in lattice.get_paginator("list_services").paginate():
            for item in page.get("items", []):
                dns_name = (item.get("dnsEntry") or {}).get("domainName")
                if not dns_name:
                    continue  # no name to resolve yet
                name = item["name"]
                wanted[name] = StandInService(
                    name=name,
                    dns_name=dns_name.lower(),
                    custom_domain=(item.get("customDomainName") or None),
                    address=self._address_for(name),
                )
        current = {s.name: s for s in backends.services}
        for name in current.keys() - wanted.keys():
            backends.remove(name)
            self._addresses.pop(name, None)
        for name, service in wanted.items():
            if current.get(name) != service:
                backends.remove(name)
                backends.add(service)
        self._running(self._reservation).resolver.set_records(backends.dns_records)

    def _address_for(self, name: str) -> str:
        if name not in self._addresses:
            taken = set(self._addresses.values())
            index = 0
            while loopback_address(index) in taken:
                index += 1
            self._addresses[name] = loopback_address(index)
        return self._addresses[name]

    def _primary_deployment(self) -> str | None:
        cluster = self.outputs.get("ClusterName")
        service = self.outputs.get("ProxyServiceName")
        if not cluster or not service:
            return None
        described = self.embedded.client("ecs").describe_services(
            cluster=str(cluster), services=[str(service)]
        )
        deployments = [
            d
            for s in described.get("services", [])
            for d in s.get("deployments", [])
            if d.get("status") == "PRIMARY"
        ]
        return str(deployments[0]["id"]) if deployments else None

    def _register_task(self, deployment_id: str | None) -> str | None:
        """The emulated ECS's record of our task, as the service's scheduler would start it."""
        cluster = self.outputs.get("ClusterName")
        service = self.outputs.get("ProxyServiceName")
        definition = self.outputs.get("ProxyTaskDefinitionArn")
        if not cluster or not service or not definition:
            return None
        ecs = self.embedded.client("ecs")
        [described] = ecs.describe_services(cluster=str(cluster), services=[str(service)])[
            "services"
        ]
        network = described.get("networkConfiguration") or {
            "awsvpcConfiguration": {"subnets": ["subnet-local"]}
        }
        started = ecs.run_task(
            cluster=str(cluster),
            taskDefinition=str(definition),
            launchType="FARGATE",
            group=f"service:{service}",
            startedBy=deployment_id or "ecs-svc",
            networkConfiguration=network,
        )
        return str(started["tasks"][0]["taskArn"])

    def _deregister_task(self) -> None:
        arn, self._ecs_task_arn = self._ecs_task_arn, None
        cluster = self.outputs.get("ClusterName")
        if arn and cluster:
            with contextlib.suppress(ClientError, BotoCoreError):
                self.embedded.client("ecs").stop_task(
                    cluster=str(cluster), task=arn, reason="local data plane stopped"
                )

    def _follow_deployments(self) -> None:
        """A new primary deployment of the proxy service = a new task with the latest config."""
        deployment_id = self._primary_deployment()
        if deployment_id is None:
            return
        if self._deployment_id is None:
            self._deployment_id = deployment_id
        elif deployment_id != self._deployment_id:
            self._deployment_id = deployment_id
            logger.info("local data plane: new deployment %s, replacing the task", deployment_id)
            old = self._ecs_task_arn
            self._deregister_task()
            self._ecs_task_arn = self._register_task(deployment_id) or old
            self._running(self._task).redeploy(task_arn=self._ecs_task_arn or "")

    @staticmethod
    def _running(value: Any) -> Any:
        if value is None:
            raise LocalDataPlaneError("the local data plane is not running")
        return value


def release_reservations() -> None:
    """Stop resolvers reserved but never started (a deploy that failed in between)."""
    with _reservations_lock:
        pending = list(_reservations.values())
        _reservations.clear()
    for reservation in pending:
        with contextlib.suppress(OSError):
            reservation.resolver.stop()
