"""One emulated Fargate proxy task: the task definition's two containers as local processes.

Both run `nginx/entrypoint.sh`, the very script template.yaml embeds in the task definition:
`fetch` (the aws-cli container) downloads the config from the embedded S3 through
`AWS_ENDPOINT_URL`, `serve` (the nginx container) validates it with `nginx -t`, starts nginx
and applies later downloads by graceful reload. Only paths and the endpoint differ.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from embedded_aws.dataplane.nginx_process import find_nginx
from embedded_aws.server import DUMMY_CREDENTIALS

RolloutMode = Literal["redeploy", "reload"]

# embedded_aws/dataplane/runner.py -> repository root
_REPO_ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = Path(
    os.environ.get("LATTICE_INGRESS_ENTRYPOINT_PATH", _REPO_ROOT / "nginx" / "entrypoint.sh")
)
_POLL_SECONDS = 0.05
_LOGGER = "lattice-ingress-entrypoint"  # the "logger" field of the entrypoint's log lines
_STOP_TIMEOUT_SECONDS = 10.0


class ProxyTaskError(RuntimeError):
    """The emulated proxy task could not start, fetch or stop."""


@dataclass(frozen=True)
class ProxyTaskSettings:
    """The task definition's environment, with local values."""

    endpoint: str
    region: str
    bucket: str
    key: str
    rollout_mode: RolloutMode = "redeploy"
    poll_seconds: int = 1
    watch_seconds: int = 1
    fetch_max_attempts: int = 10
    fetch_base_delay_seconds: int = 1
    fetch_max_delay_seconds: int = 2
    config_wait_seconds: int = 3600
    # Main-context directives for the command line, e.g. the Debian stream module.
    global_directives: str = ""
    nginx_bin: str = field(default_factory=lambda: find_nginx() or "nginx")
    # The task role's temporary credentials (AWS_ACCESS_KEY_ID, ...), as ECS provides them;
    # None = the dummy root credentials (tests of the entrypoint alone).
    credentials: Mapping[str, str] | None = None
    # The ECS task ARN the fetcher reports under (fleet/<task id>.json); empty = no reports.
    task_arn: str = ""
    poller_stale_intervals: int = 4
    # Locally 10 s, not the task's 60 s: tests wait for it (a CLI call on a busy machine
    # still fits).
    poller_stale_min_seconds: int = 10
    # The Fleet dimension of the task's metrics (the task definition's FLEET_NAME).
    fleet_name: str = "lattice-ingress"


class ProxyTask:
    """`start()` the two roles; `redeploy()` emulates a replacement task; `stop()`."""

    def __init__(self, settings: ProxyTaskSettings, workdir: Path | str) -> None:
        self.settings = settings
        self.workdir = Path(workdir).resolve()
        self.shared_dir = self.workdir / "shared"
        self.conf_dir = self.workdir / "conf"
        self.log_path = self.workdir / "entrypoint.log"
        self._fetcher: subprocess.Popen[bytes] | None = None
        self._server: subprocess.Popen[bytes] | None = None
        self.task_arn = settings.task_arn

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> ProxyTask:
        self._fetcher = self._spawn("fetch")
        self._server = self._spawn("serve")
        return self

    def stop(self) -> None:
        for process in (self._server, self._fetcher):
            if process is not None:
                _terminate(process)
        self._server = self._fetcher = None

    def __enter__(self) -> ProxyTask:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- rollouts ----------------------------------------------------------------------
    def redeploy(self, timeout: float = 60.0, *, task_arn: str | None = None) -> None:
        """What a new ECS deployment gives a task: a fresh download, validated, applied.

        The running nginx is kept and reloaded gracefully (a real task would be replaced
        behind the NLB); an invalid download is rejected by `serve` like any other. With
        `task_arn` the task takes that new identity: its reporter restarts under it.
        """
        renamed = task_arn is not None and task_arn != self.task_arn
        if renamed and self._fetcher is not None:
            _terminate(self._fetcher)  # the old task's reporter goes with it
            self._fetcher = None
        fetch = self._spawn("fetch", rollout_mode="redeploy", fetch_only=True)
        try:
            returncode = fetch.wait(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            _terminate(fetch)
            raise ProxyTaskError("config fetch for the new deployment timed out") from exc
        if returncode != 0:
            raise ProxyTaskError(f"config fetch for the new deployment failed ({returncode})")
        if self._server is not None and self._server.poll() is None:
            self._server.send_signal(signal.SIGHUP)  # serve: check the download now
        if renamed and task_arn is not None:
            # A new task reports only what it started with: the new download, decided on.
            self._wait_for_decision(timeout)
            self.task_arn = task_arn
            self._fetcher = self._spawn("fetch")

    def _wait_for_decision(self, timeout: float) -> None:
        """Until serve's status names the downloaded version (applied or rejected)."""
        version_file = self.shared_dir / "incoming" / "version"
        status_file = self.shared_dir / "status" / "applied.json"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, json.JSONDecodeError):
                wanted = version_file.read_text().strip()
                if json.loads(status_file.read_text()).get("versionId") == wanted:
                    return
            if not self.serving:
                raise ProxyTaskError(f"serve exited; see {self.log_path}")
            time.sleep(_POLL_SECONDS)
        raise ProxyTaskError(f"serve did not decide on the new download in {timeout}s")

    # -- observation -------------------------------------------------------------------
    @property
    def serving(self) -> bool:
        return self._server is not None and self._server.poll() is None

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        """The entrypoint's JSON log lines so far (both roles), optionally one event name."""
        if not self.log_path.exists():
            return []
        found = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            if not line.startswith("{"):
                continue  # nginx's own stderr shares the file
            with contextlib.suppress(json.JSONDecodeError):
                record = json.loads(line)
                if not isinstance(record, dict) or record.get("logger") != _LOGGER:
                    continue  # nginx's JSON access log lines share the file too
                if name is None or record.get("event") == name:
                    found.append(record)
        return found

    def wait_for_event(self, name: str, *, count: int = 1, timeout: float = 30.0) -> dict[str, Any]:
        """Block until the `count`-th `name` event is logged; raise if serve dies first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            matches = self.events(name)
            if len(matches) >= count:
                return matches[count - 1]
            if self._server is not None and self._server.poll() is not None:
                raise ProxyTaskError(
                    f"serve exited ({self._server.returncode}); see {self.log_path}"
                )
            time.sleep(_POLL_SECONDS)
        raise ProxyTaskError(f"no {name!r} event #{count} within {timeout}s; see {self.log_path}")

    def wait_until_listening(
        self, port: int, *, host: str = "127.0.0.1", timeout: float = 30.0
    ) -> None:
        """Block until nginx was started and accepts connections on host:port.

        `started` is logged when the master is launched; it binds its sockets a moment later.
        """
        deadline = time.monotonic() + timeout
        self.wait_for_event("started", timeout=timeout)
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
                return
            time.sleep(_POLL_SECONDS)
        raise ProxyTaskError(f"nothing listens on {host}:{port} after {timeout}s")

    # -- internals ---------------------------------------------------------------------
    def _environment(self, rollout_mode: RolloutMode, *, fetch_only: bool) -> dict[str, str]:
        s = self.settings
        venv_bin = str(Path(sys.executable).parent)  # the pinned awscli lives beside python
        return {
            "PATH": f"{venv_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(self.workdir),
            "AWS_ENDPOINT_URL": s.endpoint,
            "AWS_REGION": s.region,
            "AWS_DEFAULT_REGION": s.region,
            **(
                dict(s.credentials)
                if s.credentials
                else {
                    "AWS_ACCESS_KEY_ID": DUMMY_CREDENTIALS["aws_access_key_id"],
                    "AWS_SECRET_ACCESS_KEY": DUMMY_CREDENTIALS["aws_secret_access_key"],
                }
            ),
            "AWS_RETRY_MODE": "standard",
            "AWS_MAX_ATTEMPTS": "3",
            "CONFIG_BUCKET": s.bucket,
            "CONFIG_KEY": s.key,
            "ROLLOUT_MODE": rollout_mode,
            "CONFIG_POLL_SECONDS": str(s.poll_seconds),
            "CONFIG_WATCH_SECONDS": str(s.watch_seconds),
            "FETCH_MAX_ATTEMPTS": str(s.fetch_max_attempts),
            "FETCH_BASE_DELAY_SECONDS": str(s.fetch_base_delay_seconds),
            "FETCH_MAX_DELAY_SECONDS": str(s.fetch_max_delay_seconds),
            "CONFIG_WAIT_SECONDS": str(s.config_wait_seconds),
            "SHARED_DIR": str(self.shared_dir),
            "NGINX_BIN": s.nginx_bin,
            "NGINX_CONF_DIR": str(self.conf_dir),
            "NGINX_PREFIX": f"{self.workdir}/",
            "NGINX_GLOBAL_DIRECTIVES": s.global_directives,
            # The task ends with this process even if stop() is never called.
            "LATTICE_INGRESS_PARENT_PID": str(os.getpid()),
            "LATTICE_INGRESS_TASK_ARN": self.task_arn,
            "FETCH_ONLY": "1" if fetch_only else "0",
            "POLLER_STALE_INTERVALS": str(s.poller_stale_intervals),
            "POLLER_STALE_MIN_SECONDS": str(s.poller_stale_min_seconds),
            "FLEET_NAME": s.fleet_name,
        }

    def _spawn(
        self, role: str, rollout_mode: RolloutMode | None = None, *, fetch_only: bool = False
    ) -> subprocess.Popen[bytes]:
        if not ENTRYPOINT.is_file():
            raise ProxyTaskError(f"entrypoint not found: {ENTRYPOINT}")
        for path in (self.workdir, self.shared_dir, self.conf_dir):
            path.mkdir(parents=True, exist_ok=True)
            path.chmod(0o755)  # nginx workers run unprivileged when the master is root
        env = self._environment(rollout_mode or self.settings.rollout_mode, fetch_only=fetch_only)
        with self.log_path.open("ab") as log:
            # A session of its own: stop() can end nginx with its shell, and nothing else.
            return subprocess.Popen(
                ["/bin/sh", str(ENTRYPOINT), role],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )


def _terminate(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (serve stops nginx gracefully), then SIGKILL the process group if needed."""
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=_STOP_TIMEOUT_SECONDS)
    # nginx workers or an interrupted child may outlive the shell: end our own group.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=_STOP_TIMEOUT_SECONDS)
