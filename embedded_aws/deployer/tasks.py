"""ECS steady state for the deployer: start one task of a service from its task definition,
as Fargate would, and report whether it stays up.

CloudFormation completes an `AWS::ECS::Service` only once the service is stable: its tasks
started and kept running. Here one task is run (every task of a service is identical):
each container's `entryPoint` + `command` and environment from the registered task
definition, in `dependsOn` order, with the task's volumes as temporary directories (their
container paths rewritten to them), against the emulated S3. The images' tools come from
this machine (the pinned AWS CLI beside this Python, Debian's nginx). A container that
listens (one with port mappings) runs in a network namespace of its own when `unshare`
works, as a task has its own network interface, so its ports never clash with the host's.

The task is stopped again once it has proved itself; the local data plane runs the
long-lived proxy.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from embedded_aws.server import DUMMY_CREDENTIALS

# Locally the fetcher gives up after a few seconds instead of ~2.5 minutes (10 attempts,
# backoff to 30 s); AWS then fails the deployment the same way, only later.
LOCAL_FETCH_BUDGET = {
    "FETCH_MAX_ATTEMPTS": "3",
    "FETCH_BASE_DELAY_SECONDS": "1",
    "FETCH_MAX_DELAY_SECONDS": "1",
    "CONFIG_WAIT_SECONDS": "20",
    "CONFIG_WATCH_SECONDS": "1",
}
_DEBIAN_STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so"
_CONTAINER_TIMEOUT_SECONDS = 60.0
_STAY_UP_SECONDS = 2.5  # more than CONFIG_WATCH_SECONDS: serve has checked nginx is alive
_POLL_SECONDS = 0.1


class TaskFailed(RuntimeError):
    """The task stopped (or never started) before the service could be stable."""


class TaskNotEmulated(RuntimeError):
    """A container runs its image's own default command, which only the image has."""


def check_steady_state(
    ecs: Any, task_definition: str, *, endpoint: str, region: str, label: str
) -> None:
    """Run one task of `task_definition` to steady state and stop it; TaskFailed if not."""
    definition = ecs.describe_task_definition(taskDefinition=task_definition)["taskDefinition"]
    for container in definition.get("containerDefinitions") or []:
        if not (container.get("entryPoint") or container.get("command")):
            raise TaskNotEmulated(
                f"container {container['name']} runs the default command of image "
                f"{container.get('image')}"
            )
    with tempfile.TemporaryDirectory(prefix="lattice-task-") as workdir:
        task = _Task(definition, Path(workdir), endpoint=endpoint, region=region, label=label)
        try:
            task.run()
        finally:
            task.stop()


class _Task:
    def __init__(
        self, definition: dict[str, Any], workdir: Path, *, endpoint: str, region: str, label: str
    ) -> None:
        self.definition = definition
        self.workdir = workdir
        self.endpoint = endpoint
        self.region = region
        self.label = label
        self.volumes = {
            volume["name"]: workdir / "volumes" / volume["name"]
            for volume in definition.get("volumes") or []
        }
        for path in self.volumes.values():
            path.mkdir(parents=True)
            path.chmod(0o755)  # nginx workers run unprivileged when the master is root
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    # -- running -------------------------------------------------------------------------
    def run(self) -> None:
        containers = {c["name"]: c for c in self.definition.get("containerDefinitions") or []}
        for container in _dependency_order(containers):
            for dependency in container.get("dependsOn") or []:
                self._await_condition(containers[dependency["containerName"]], dependency)
            self.processes[container["name"]] = self._start(container)
        deadline = time.monotonic() + _STAY_UP_SECONDS
        while time.monotonic() < deadline:  # essential containers must keep running
            self._raise_if_essential_exited(containers)
            time.sleep(_POLL_SECONDS)
        self._raise_if_essential_exited(containers)

    def _raise_if_essential_exited(self, containers: dict[str, dict[str, Any]]) -> None:
        for name, process in self.processes.items():
            if containers[name].get("essential", True) and process.poll() is not None:
                raise TaskFailed(
                    f"{self.label}: task stopped: Essential container in task exited "
                    f"({name}, exit code {process.returncode}): {self._last_log(name)}"
                )

    def _await_condition(self, container: dict[str, Any], dependency: dict[str, Any]) -> None:
        name = container["name"]
        process = self.processes[name]
        condition = dependency.get("condition", "START")
        deadline = time.monotonic() + _CONTAINER_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            code = process.poll()
            if condition in ("SUCCESS", "COMPLETE") and code is not None:
                if code == 0 or condition == "COMPLETE":
                    return
                raise TaskFailed(
                    f"{self.label}: task stopped: container {name} exited with {code} "
                    f"(dependency condition {condition} not met): {self._last_log(name)}"
                )
            if condition == "START" and code is None:
                return
            if condition == "HEALTHY":
                if self._healthy(container):
                    return
                if code is not None:
                    raise TaskFailed(
                        f"{self.label}: task stopped: container {name} exited with {code} "
                        f"before it was healthy: {self._last_log(name)}"
                    )
            time.sleep(_POLL_SECONDS)
        raise TaskFailed(f"{self.label}: container {name} never reached {condition}")

    def _healthy(self, container: dict[str, Any]) -> bool:
        command = (container.get("healthCheck") or {}).get("command") or []
        if not command:
            return self.processes[container["name"]].poll() is None
        kind, rest = command[0], self._mapped(container, command[1:])
        if kind == "CMD-SHELL":
            argv = ["/bin/sh", "-c", " ".join(rest)]
        elif kind == "CMD":
            argv = rest
        else:
            argv = self._mapped(container, command)
        result = subprocess.run(argv, check=False, capture_output=True, timeout=30)
        return result.returncode == 0

    def _start(self, container: dict[str, Any]) -> subprocess.Popen[bytes]:
        argv = self._mapped(
            container, [*(container.get("entryPoint") or []), *(container.get("command") or [])]
        )
        if not argv:
            raise TaskFailed(f"{self.label}: container {container['name']} has no command")
        if container.get("portMappings") and _can_unshare():
            argv = ["unshare", "-n", "/bin/sh", "-c", 'ip link set lo up && exec "$@"', "sh", *argv]
        log = (self.workdir / f"{container['name']}.log").open("ab")
        with log:
            return subprocess.Popen(
                argv,
                env=self._environment(container),
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _environment(self, container: dict[str, Any]) -> dict[str, str]:
        name = container["name"]
        private = self.workdir / "containers" / name
        private.mkdir(parents=True, exist_ok=True)
        private.chmod(0o755)
        env = {
            item["name"]: self._map_text(container, str(item.get("value", "")))
            for item in container.get("environment") or []
        }
        directives = f"pid {private}/nginx.pid;"
        if Path(_DEBIAN_STREAM_MODULE).exists():
            directives = f"load_module {_DEBIAN_STREAM_MODULE}; {directives}"
        return {
            **env,
            "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(private),
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ACCESS_KEY_ID": DUMMY_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": DUMMY_CREDENTIALS["aws_secret_access_key"],
            # The container's own filesystem: config dir and nginx prefix, private to it.
            "NGINX_CONF_DIR": str(private / "conf"),
            "NGINX_PREFIX": f"{private}/",
            "NGINX_GLOBAL_DIRECTIVES": directives,
            **LOCAL_FETCH_BUDGET,
            "LATTICE_INGRESS_PARENT_PID": str(os.getpid()),
        }

    def _mapped(self, container: dict[str, Any], argv: list[str]) -> list[str]:
        return [self._map_text(container, str(arg)) for arg in argv]

    def _map_text(self, container: dict[str, Any], text: str) -> str:
        """Container paths of the task's volumes -> their local directories."""
        for mount in container.get("mountPoints") or []:
            host = self.volumes.get(mount.get("sourceVolume", ""))
            if host is not None:
                text = text.replace(mount["containerPath"], str(host))
        return text

    def _last_log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        lines = path.read_text(errors="replace").strip().splitlines() if path.exists() else []
        return lines[-1] if lines else "(no output)"

    # -- stopping ------------------------------------------------------------------------
    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                process.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=10)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        self.processes.clear()


def _dependency_order(containers: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    order: list[dict[str, Any]] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        for dependency in containers[name].get("dependsOn") or []:
            visit(dependency["containerName"])
        order.append(containers[name])

    for name in containers:
        visit(name)
    return order


@functools.cache
def _can_unshare() -> bool:
    """Probed once per process: root (or user namespaces) and util-linux's unshare."""
    if not (shutil.which("unshare") and shutil.which("ip")):
        return False
    probe = ["unshare", "-n", "ip", "link", "set", "lo", "up"]
    return subprocess.run(probe, check=False, capture_output=True, timeout=10).returncode == 0
