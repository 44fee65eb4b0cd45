"""Lambda: run the real Python handler in a warm worker process per function container.

moto runs functions in Docker (absent here) or echoes canned answers. We replace
`LambdaFunction._invoke_lambda(event) -> (payload, errored, logs)`, the one place every
invocation path (the Invoke API, Step Functions tasks, EventBridge targets) goes through:

* code comes from the directory the deployer registered (`register_code`), or else from
  the function's zip, extracted once per code hash; the code directory, then each layer
  (its `python/` subdirectory if any), are the worker's PYTHONPATH, as /var/task and /opt;
* each container is a process of its own (`lambda_worker.py`) started with exactly the
  environment Lambda gives a function: its variables, the runtime's own, the execution
  role's temporary credentials and `AWS_ENDPOINT_URL` pointing at the emulator; nothing
  of this process's environment leaks in;
* a container stays warm: the handler module is imported once and reused. Concurrent
  invocations get containers of their own; a configuration or code change starts new ones;
* a handler that outlives its Timeout is stopped (the process is killed) and reported as
  `Sandbox.Timedout`; an exception becomes `FunctionError: Unhandled` with the runtime's
  payload `{"errorMessage", "errorType", "stackTrace"}`, so Step Functions names the error
  after the exception class and Retry/Catch match it.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import hashlib
import io
import json
import logging
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedded_aws.iam.credentials import role_session

if TYPE_CHECKING:
    from embedded_aws.server import EmbeddedAws

logger = logging.getLogger(__name__)

_INSTALLED_MARK = "_lattice_ingress_compat"
_LOCK = threading.RLock()  # guards the registry


class LambdaRuntimeError(RuntimeError):
    """A function's code or handler cannot be found or loaded."""


@dataclass(frozen=True)
class CodeLocation:
    code_dir: Path
    layer_dirs: tuple[Path, ...] = ()

    def import_paths(self) -> list[str]:
        """What Lambda puts on sys.path: the task root first, then each layer (/opt/python)."""
        paths = [str(self.code_dir)]
        for layer in self.layer_dirs:
            paths.append(str(layer / "python") if (layer / "python").is_dir() else str(layer))
        return paths


@dataclass
class _Registry:
    embedded: EmbeddedAws | None = None
    code: dict[str, CodeLocation] = field(default_factory=dict)
    extracted: dict[str, Path] = field(default_factory=dict)  # zip sha256 -> directory


_REGISTRY = _Registry()


def register_code(
    function_name: str,
    code_dir: str | os.PathLike[str],
    layer_dirs: Iterable[str | os.PathLike[str]] = (),
) -> None:
    """Tell the runtime where a function's code and layers live (the deployer calls this)."""
    location = CodeLocation(
        code_dir=Path(code_dir).resolve(),
        layer_dirs=tuple(Path(layer).resolve() for layer in layer_dirs),
    )
    with _LOCK:
        _REGISTRY.code[function_name] = location


# -- code locations ---------------------------------------------------------------------------
def _extract(code_bytes: bytes, label: str) -> Path:
    digest = hashlib.sha256(code_bytes).hexdigest()
    if digest not in _REGISTRY.extracted:
        target = Path(tempfile.mkdtemp(prefix=f"lambda-{label}-"))
        with zipfile.ZipFile(io.BytesIO(code_bytes)) as archive:
            archive.extractall(target)
        _REGISTRY.extracted[digest] = target
    return _REGISTRY.extracted[digest]


def _code_location(function: Any) -> CodeLocation:
    registered = _REGISTRY.code.get(function.function_name)
    if registered is not None:
        return registered
    code_bytes = getattr(function, "code_bytes", b"")
    if not code_bytes:
        raise LambdaRuntimeError(
            f"no code for {function.function_name}: register_code() it or upload a zip"
        )
    layer_dirs = []
    backend = _lambda_backend(function)
    for layer in function.layers:
        version = backend.layers_versions_by_arn(layer["Arn"])
        layer_bytes: bytes = getattr(version, "code_bytes", b"") if version else b""
        if layer_bytes:
            layer_dirs.append(_extract(layer_bytes, "layer"))
    return CodeLocation(_extract(code_bytes, function.function_name), tuple(layer_dirs))


def _lambda_backend(function: Any) -> Any:
    from moto.awslambda.models import lambda_backends

    return lambda_backends[function.account_id][function.region]


# -- environment ------------------------------------------------------------------------------
def lambda_environment(function: Any, endpoint: str) -> dict[str, str]:
    """What a Lambda sandbox sees: the function's variables over the runtime's own."""
    env = {
        "_HANDLER": function.handler or "",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.run_time}",
        "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": function.logs_group_name,
        "AWS_LAMBDA_LOG_STREAM_NAME": _log_stream_name(),
        "AWS_REGION": function.region,
        "AWS_DEFAULT_REGION": function.region,
        # The execution role's temporary credentials, as Lambda provides them.
        **role_session(function.role, function.function_name, function.region).environment(),
    }
    env.update({key: str(value) for key, value in function.environment_vars.items()})
    # Whatever the function sets, its SDK calls must reach the emulator, never AWS.
    env["AWS_ENDPOINT_URL"] = endpoint
    return env


def _log_stream_name() -> str:
    return time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex


def _endpoint() -> str:
    if _REGISTRY.embedded is None:
        raise LambdaRuntimeError("the Lambda runtime is not installed in an embedded stack")
    return _REGISTRY.embedded.endpoint


# -- containers -------------------------------------------------------------------------------
WORKER_SCRIPT = Path(__file__).with_name("lambda_worker.py")


class _Timeout(Exception):
    pass


class _WorkerExited(Exception):
    pass


class _Worker:
    """One container: a worker process and the two pipes of its protocol."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        request_read, self._request_write = os.pipe()
        self._response_read, response_write = os.pipe()
        try:
            self.process = subprocess.Popen(
                # -P: the script's directory stays off sys.path (only the task root and layers).
                [sys.executable, "-P", str(WORKER_SCRIPT), str(request_read), str(response_write)],
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                # The function's log stream is the embedded stack's stderr: its stdout is
                # reserved for what the CLI prints (`local serve`'s ready line, JSON).
                stdout=sys.stderr.fileno(),
                pass_fds=(request_read, response_write),
            )
        finally:
            os.close(request_read)
            os.close(response_write)
        self._buffer = b""

    def call(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        os.write(self._request_write, json.dumps(message).encode() + b"\n")
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Timeout
            ready, _, _ = select.select([self._response_read], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self._response_read, 1 << 16)
            if not chunk:
                raise _WorkerExited(self.process.wait())
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def retire(self) -> None:
        """Close its request pipe (the worker exits at EOF); kill it if it does not."""
        for fd in (self._request_write, self._response_read):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=2)
            return
        self.process.kill()
        self.process.wait()


@dataclass
class _Containers:
    """Idle warm containers by function configuration; busy ones are out of the lists."""

    idle: dict[tuple[Any, ...], list[_Worker]] = field(default_factory=dict)
    all: list[_Worker] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, key: tuple[Any, ...]) -> _Worker | None:
        with self.lock:
            workers = self.idle.get(key)
            return workers.pop() if workers else None

    def give_back(self, key: tuple[Any, ...], worker: _Worker) -> None:
        with self.lock:
            self.idle.setdefault(key, []).append(worker)

    def started(self, worker: _Worker) -> None:
        with self.lock:
            self.all.append(worker)

    def retire(self, worker: _Worker) -> None:
        with self.lock:
            if worker in self.all:
                self.all.remove(worker)
        worker.retire()

    def retire_all(self) -> None:
        with self.lock:
            workers, self.all, self.idle = list(self.all), [], {}
        for worker in workers:
            worker.retire()


_CONTAINERS = _Containers()


def container_count() -> int:
    """How many worker processes run (warm reuse keeps this at one per busy function)."""
    with _CONTAINERS.lock:
        return len(_CONTAINERS.all)


def _container_env(function: Any, location: CodeLocation) -> dict[str, str]:
    env = lambda_environment(function, _endpoint())
    env.update(
        {
            "LAMBDA_TASK_ROOT": str(location.code_dir),
            "LAMBDA_RUNTIME_DIR": str(WORKER_SCRIPT.parent),
            "PYTHONPATH": os.pathsep.join(location.import_paths()),
            "PATH": os.pathsep.join(
                (str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin")
            ),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            # Lambda has no ~/.aws: keep a developer's profile files out of the sandbox.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
    )
    return env


def _container_key(function: Any, location: CodeLocation) -> tuple[Any, ...]:
    # Lambda starts new containers after UpdateFunctionCode / UpdateFunctionConfiguration.
    return (
        function.function_arn,
        function.handler,
        location,
        tuple(sorted(function.environment_vars.items())),
        function.role,
        str(function.memory_size),
        str(function.timeout),
        _endpoint(),
    )


def _invoke(function: Any, event: Any, request_id: str) -> tuple[str, bool]:
    location = _code_location(function)
    key = _container_key(function, location)
    worker = _CONTAINERS.take(key)
    if worker is None:
        env = _container_env(function, location)
        worker = _Worker(env, location.code_dir)
        _CONTAINERS.started(worker)
        worker.log_stream = env["AWS_LAMBDA_LOG_STREAM_NAME"]  # type: ignore[attr-defined]
    timeout = float(function.timeout)
    message = {
        "requestId": request_id,
        "event": event,
        "timeoutMs": int(timeout * 1000),
        "functionArn": function.function_arn,
        "functionName": function.function_name,
        "memoryMb": int(function.memory_size),
        "logGroup": function.logs_group_name,
        "logStream": worker.log_stream,  # type: ignore[attr-defined]
    }
    try:
        answer = worker.call(message, timeout)
    except _Timeout:
        _CONTAINERS.retire(worker)  # Lambda resets the environment after a timeout
        return json.dumps(timed_out_payload(request_id, timeout)), True
    except (_WorkerExited, OSError) as exc:
        _CONTAINERS.retire(worker)
        return json.dumps(exited_payload(request_id, exc)), True
    _CONTAINERS.give_back(key, worker)
    return str(answer["payload"]), bool(answer["errored"])


def exited_payload(request_id: str, exc: Exception) -> dict[str, Any]:
    """What Lambda answers when the runtime process dies during an invocation."""
    status = exc.args[0] if exc.args else "unknown"
    return {
        "errorType": "Runtime.ExitError",
        "errorMessage": (
            f"RequestId: {request_id} Error: Runtime exited with error: exit status {status}"
        ),
    }


def timed_out_payload(request_id: str, timeout: float) -> dict[str, Any]:
    """What Lambda answers when a function outlives its Timeout."""
    return {
        "errorType": "Sandbox.Timedout",
        "errorMessage": (
            f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds"
        ),
    }


def invoke_in_process(function: Any, event: Any) -> tuple[str, bool, str]:
    """Run the handler in a warm container; (payload JSON, errored, log text) as moto's hook
    expects. (The name predates the worker processes; the hook's contract is unchanged.)"""
    request_id = str(uuid.uuid4())
    function.logs_backend.ensure_log_group(function.logs_group_name)
    started = time.monotonic()
    try:
        payload, errored = _invoke(function, event, request_id)
    except LambdaRuntimeError as exc:
        payload, errored = (
            json.dumps({"errorMessage": str(exc), "errorType": "Runtime.InvalidEntrypoint"}),
            True,
        )
    elapsed = time.monotonic() - started
    if errored:
        logger.info("%s failed: %s", function.function_name, payload[:500])
    logs = "\n".join(
        (
            f"START RequestId: {request_id} Version: $LATEST",
            f"END RequestId: {request_id}",
            f"REPORT RequestId: {request_id}\tDuration: {elapsed * 1000:.2f} ms",
        )
    )
    function.save_logs(logs)
    return payload, errored, logs


def _patched_invoke(self: Any, body: str, request_headers: Any, response_headers: Any) -> Any:
    """moto's `LambdaFunction.invoke`, reporting `Unhandled` as Lambda does for exceptions."""
    event = json.loads(body) if body else {}
    invocation_type = request_headers.get("x-amz-invocation-type", "RequestResponse")
    if invocation_type == "DryRun":
        return b""
    if invocation_type == "Event":
        # Asynchronous: Lambda queues the event and answers 202 at once.
        invoke_async(self, event)
        return b""
    payload, errored, logs = self._invoke_lambda(event=event)
    if errored:
        response_headers["x-amz-function-error"] = "Unhandled"
    if invocation_type == "RequestResponse":
        response_headers["x-amz-log-result"] = base64.b64encode(logs.encode()).decode()
    return payload.encode("utf-8")


def invoke_async(function: Any, event: Any) -> threading.Thread:
    """Lambda's Event invocation: the handler runs on its own thread; nobody waits for it,
    so a failure only shows in the logs (there is no retry or on-failure destination)."""
    thread = threading.Thread(
        target=function._invoke_lambda,
        kwargs={"event": event},
        name=f"lambda-async-{function.function_name}",
        daemon=True,
    )
    thread.start()
    return thread


def _cleanup() -> None:
    _CONTAINERS.retire_all()
    for directory in _REGISTRY.extracted.values():
        shutil.rmtree(directory, ignore_errors=True)


def install(embedded: EmbeddedAws) -> None:
    """Route every invocation to `invoke_in_process` (idempotent)."""
    from moto.awslambda.models import LambdaFunction

    _REGISTRY.embedded = embedded  # its endpoint is known once the server is bound
    if getattr(LambdaFunction, _INSTALLED_MARK, False):
        return

    def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
        return invoke_in_process(self, {} if event is None else event)

    LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]
    LambdaFunction.invoke = _patched_invoke  # type: ignore[method-assign]
    setattr(LambdaFunction, _INSTALLED_MARK, True)
    atexit.register(_cleanup)
