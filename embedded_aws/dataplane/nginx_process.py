"""Run the real nginx binary on a rendered config, in a private prefix directory.

    nginx = NginxProcess()                         # private prefix under /tmp
    options = ProxyOptions(..., **nginx.local_paths())
    check = nginx.validate(text)                   # nginx -t: ok, warnings, errors
    nginx.start(text)                              # foreground master, returns when serving
    nginx.reload(new_text)                         # nginx -t first; SIGHUP; waits for new workers
    nginx.stop()                                   # graceful (SIGQUIT), bounded, then SIGKILL

An invalid config never replaces the running one: `reload` raises NginxConfigError and
leaves the file and the process untouched. Linux only: readiness is read from /proc (the
master's worker children and their process titles), not guessed with sleeps.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

__all__ = [
    "PRIVATE_NGINX_DIR",
    "NginxConfigError",
    "NginxError",
    "NginxProcess",
    "NginxValidation",
    "find_nginx",
    "stream_module_for",
]

# scripts/install-nginx.sh puts production's NGINX release (Debian's build of it, with the
# stream module as a loadable module) here; the official image has stream built in.
PRIVATE_NGINX_DIR = Path(
    os.environ.get("LATTICE_INGRESS_NGINX_DIR") or Path(__file__).resolve().parents[2] / ".nginx"
)
_POLL_SECONDS = 0.05
_PID_DIRECTIVE = re.compile(r"^\s*pid\s", re.MULTILINE)
_VALIDATE_TIMEOUT_SECONDS = 300  # 10,000 upstream blocks take seconds (bench figures)


def _accepting(worker_pid: int) -> bool:
    """True while a worker still runs and is not draining ("is shutting down" title)."""
    try:
        title = Path(f"/proc/{worker_pid}/cmdline").read_bytes()
    except OSError:
        return False
    return bool(title) and b"shutting down" not in title


class NginxError(RuntimeError):
    """nginx could not be started, reloaded or stopped."""


class NginxConfigError(NginxError):
    """`nginx -t` rejected a config."""

    def __init__(self, validation: NginxValidation) -> None:
        super().__init__("nginx -t failed: " + "; ".join(validation.errors or [validation.output]))
        self.validation = validation


@dataclass(frozen=True)
class NginxValidation:
    """The outcome of `nginx -t`: ok, and its [warn] / [emerg|alert|crit|error] lines."""

    ok: bool
    output: str
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_output(cls, returncode: int, output: str) -> NginxValidation:
        lines = output.splitlines()
        warnings = [line for line in lines if "[warn]" in line]
        errors = [
            line
            for line in lines
            if any(f"[{level}]" in line for level in ("emerg", "alert", "crit", "error"))
        ]
        return cls(ok=returncode == 0, output=output, warnings=warnings, errors=errors)


def find_nginx() -> str | None:
    """The nginx that scripts/install-nginx.sh installed (production's release), or None.

    The system's nginx is deliberately not used: the config relies on features of the
    release the task image runs (`server NAME resolve` in upstreams, nginx >= 1.27.3).
    """
    wrapper = PRIVATE_NGINX_DIR / "bin" / "nginx"
    return str(wrapper) if os.access(wrapper, os.X_OK) else None


def stream_module_for(binary: str) -> str | None:
    """The stream module that belongs to `binary` (same build), or None if built in."""
    module = Path(binary).resolve().parent.parent / "modules" / "ngx_stream_module.so"
    return str(module) if module.is_file() else None


class NginxProcess:
    """One nginx master (foreground, `daemon off`) under a private prefix directory."""

    def __init__(
        self,
        prefix: Path | str | None = None,
        *,
        binary: str | None = None,
        global_directives: str = "",
    ) -> None:
        """`global_directives` go on the command line (`-g`) for both `nginx -t` and the
        server, e.g. `load_module .../ngx_stream_module.so;` to run with Debian's build a
        config rendered for the official image (which has stream built in)."""
        found = binary or find_nginx()
        if found is None:
            raise NginxError("nginx binary not found (run scripts/install-nginx.sh)")
        self.binary = found
        self.global_directives = global_directives.strip()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if prefix is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="lattice-nginx-")
            prefix = self._tmp.name
        self.prefix = Path(prefix).resolve()
        # Workers drop to an unprivileged user when the master is root: let them traverse.
        for sub in ("", "conf", "logs", "tmp"):
            (self.prefix / sub).mkdir(parents=True, exist_ok=True)
            (self.prefix / sub).chmod(0o755)
        self.conf_path = self.prefix / "conf" / "nginx.conf"
        self.output_path = self.prefix / "logs" / "nginx.out"
        self._process: subprocess.Popen[bytes] | None = None
        self._candidates = 0

    # -- paths the rendered config should use -------------------------------------------

    def local_paths(self) -> dict[str, str | None]:
        """ProxyOptions overrides that keep every file inside the prefix."""
        logs = self.prefix / "logs"
        return {
            "error_log": str(logs / "error.log"),
            "stream_access_log": str(logs / "stream_access.log"),
            "http_access_log": str(logs / "http_access.log"),
            "pid_path": str(logs / "nginx.pid"),
            "temp_dir": str(self.prefix / "tmp"),
            "stream_module_path": stream_module_for(self.binary),
        }

    def log_path(self, name: str) -> Path:
        """A file under logs/, e.g. log_path("stream_access.log")."""
        return self.prefix / "logs" / name

    # -- nginx -t -----------------------------------------------------------------------

    def validate(self, config_text: str) -> NginxValidation:
        """Run `nginx -t` on `config_text` (in a scratch file next to the live one)."""
        self._candidates += 1
        candidate = self.prefix / "conf" / f"candidate-{self._candidates}.conf"
        candidate.write_text(config_text)
        try:
            return self._test(candidate, config_text)
        finally:
            candidate.unlink(missing_ok=True)

    def _test(self, path: Path, config_text: str) -> NginxValidation:
        command = [self.binary, "-t", "-p", f"{self.prefix}/", "-c", str(path), "-e", "stderr"]
        if directives := self._globals(config_text):
            command += ["-g", directives]
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=_VALIDATE_TIMEOUT_SECONDS,
            check=False,
        )
        return NginxValidation.from_output(result.returncode, result.stderr + result.stdout)

    # -- lifecycle ----------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._process.pid if self.running and self._process else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, config_text: str, *, timeout: float = 10.0) -> NginxProcess:
        """Validate, then run nginx in the foreground; return once workers are up."""
        if self.running:
            raise NginxError("nginx is already running")
        validation = self.validate(config_text)
        if not validation.ok:
            raise NginxConfigError(validation)
        self.conf_path.write_text(config_text)
        with self.output_path.open("ab") as output:
            self._process = subprocess.Popen(
                [
                    self.binary,
                    "-p",
                    f"{self.prefix}/",
                    "-c",
                    str(self.conf_path),
                    "-e",
                    "stderr",
                    "-g",
                    f"daemon off; {self._globals(config_text)}".strip(),
                ],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C in a terminal must not hit nginx directly
            )
        # Listening sockets are opened before the master forks its workers.
        self._wait(lambda: bool(self._workers()), timeout, "start")
        return self

    def reload(self, config_text: str, *, timeout: float = 10.0) -> None:
        """Apply a new config gracefully; an invalid one raises and changes nothing."""
        if not self.running or self._process is None:
            raise NginxError("nginx is not running")
        validation = self.validate(config_text)
        if not validation.ok:
            raise NginxConfigError(validation)
        before = self._workers()
        staged = self.conf_path.with_suffix(".staged")
        staged.write_text(config_text)
        os.replace(staged, self.conf_path)  # atomic: the master never reads half a file
        self._process.send_signal(signal.SIGHUP)
        # New workers (new pids) mean the master accepted the new config; done once every
        # old worker has exited or is draining (it stops accepting before it drains).
        self._wait(
            lambda: bool(self._workers() - before) and not any(map(_accepting, before)),
            timeout,
            "reload",
        )

    def stop(self, *, timeout: float = 10.0) -> None:
        """Graceful shutdown (SIGQUIT), bounded; then SIGKILL. Also removes a temp prefix."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGQUIT)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # master and workers share the group
                process.wait(timeout=timeout)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def output(self) -> str:
        """What nginx wrote to stdout/stderr (startup errors, `error_log stderr`)."""
        return self.output_path.read_text(errors="replace") if self.output_path.exists() else ""

    def _globals(self, config_text: str) -> str:
        """The -g directives; adds a private pid file when the config names none, so two
        instances never share nginx's compiled-in /run/nginx.pid."""
        directives = self.global_directives
        if not _PID_DIRECTIVE.search(config_text) and "pid " not in directives:
            directives = f"{directives} pid {self.prefix / 'logs' / 'nginx.pid'};".strip()
        return directives

    def _workers(self) -> set[int]:
        if self._process is None:
            return set()
        pid = self._process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        except OSError:
            return set()
        return {int(child) for child in children.split()}

    def _wait(self, ready: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise NginxError(f"nginx exited during {what}: {self.output()[-2000:]}")
            if ready():
                return
            time.sleep(_POLL_SECONDS)
        raise NginxError(f"nginx {what} not complete after {timeout}s: {self.output()[-2000:]}")

    def __enter__(self) -> NginxProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
