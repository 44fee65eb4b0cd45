"""Lambda: run the real Python handler in this process, as a warm Lambda container would.

moto runs functions in Docker (absent here) or echoes canned answers. We replace
`LambdaFunction._invoke_lambda(event) -> (payload, errored, logs)`, the one place every
invocation path (the Invoke API, Step Functions tasks, EventBridge targets) goes through:

* code comes from the directory the deployer registered (`register_code`), or else from
  the function's zip, extracted once per code hash; layer directories (and their
  `python/` subdirectory) and the code directory are importable while the handler runs;
* each function's handler module is loaded once under a unique module name (several
  functions all have `app.py`) and kept, like a warm container;
* the function's environment plus Lambda's own variables, and `AWS_ENDPOINT_URL` pointing
  at the emulator with dummy credentials, are in `os.environ` during import and each call,
  for the invoking thread only (other threads keep the process's environment);
  `sys.path` is process-global, so invocations are serialised;
* an exception becomes `FunctionError: Unhandled` with the runtime's payload
  `{"errorMessage", "errorType", "stackTrace"}`, so Step Functions names the error after
  the exception class and Retry/Catch match it.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import hashlib
import importlib.util
import io
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import traceback
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from embedded_aws.iam.credentials import role_session

if TYPE_CHECKING:
    from embedded_aws.server import EmbeddedAws

logger = logging.getLogger(__name__)

_INSTALLED_MARK = "_lattice_ingress_compat"
_LOCK = threading.RLock()  # one invocation at a time: os.environ and sys.path are global


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
    # One warm "container" per function, code and configuration, as Lambda starts new
    # containers after UpdateFunctionCode / UpdateFunctionConfiguration.
    handlers: dict[tuple[Any, ...], Callable[..., Any]] = field(default_factory=dict)


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


class _ThreadEnviron(os._Environ):
    """`os.environ` with a per-thread overlay: the invoking thread sees the function's
    environment while every other thread keeps seeing the process's, untouched.

    Setting and deleting process-wide variables around each call races with threads that
    iterate `os.environ` meanwhile (botocore's proxy lookup does, for every client): a key
    deleted between their listing and their read raises KeyError in them. With an overlay,
    nothing process-wide changes. Without an active overlay this is plain `os.environ`.
    """

    def _overlay(self) -> dict[str, str | None] | None:
        overlay: dict[str, str | None] | None = getattr(_THREAD, "overlay", None)
        return overlay

    def __getitem__(self, key: str) -> str:
        overlay = self._overlay()
        if overlay is not None and key in overlay:
            value = overlay[key]
            if value is None:
                raise KeyError(key)
            return value
        return super().__getitem__(key)

    def __setitem__(self, key: str, value: str) -> None:
        overlay = self._overlay()
        if overlay is None:
            super().__setitem__(key, value)
            return
        # os.environ's own checks: TypeError for a key or value that is not a str.
        self.encodekey(key)
        self.encodevalue(value)
        overlay[key] = value

    def __delitem__(self, key: str) -> None:
        overlay = self._overlay()
        if overlay is None:
            super().__delitem__(key)
            return
        if key not in self:
            raise KeyError(key)
        overlay[key] = None

    def __iter__(self) -> Iterator[str]:
        overlay = self._overlay()
        base = list(super().__iter__())
        if overlay is None:
            yield from base
            return
        yield from (key for key in base if overlay.get(key, "") is not None)
        present = set(base)
        yield from (
            key for key, value in overlay.items() if value is not None and key not in present
        )

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def copy(self) -> dict[str, str]:
        return dict(self)


_THREAD = threading.local()


@contextlib.contextmanager
def _sandbox(env: dict[str, str], import_paths: list[str]) -> Iterator[None]:
    """The function's environment (this thread only) and import paths (process-wide: hence
    the lock) for the duration of an import or a call."""
    if not isinstance(os.environ, _ThreadEnviron):
        os.environ.__class__ = _ThreadEnviron
    overlay: dict[str, str | None] = {"AWS_PROFILE": None}  # never a developer's profile
    overlay.update(env)
    _THREAD.overlay = overlay
    sys.path[:0] = import_paths
    try:
        yield
    finally:
        for path in import_paths:
            with contextlib.suppress(ValueError):
                sys.path.remove(path)
        del _THREAD.overlay


# -- handler loading --------------------------------------------------------------------------
def _load_handler(function: Any, location: CodeLocation) -> Callable[..., Any]:
    function_name: str = function.function_name
    handler: str = function.handler or ""
    key = (function_name, handler, location, tuple(sorted(function.environment_vars.items())))
    cached = _REGISTRY.handlers.get(key)
    if cached is not None:
        return cached
    module_path, _, attribute = handler.rpartition(".")
    if not module_path or not attribute:
        raise LambdaRuntimeError(f"bad handler {handler!r}: expected module.function")
    source = location.code_dir.joinpath(*module_path.split("."))
    source = source.with_suffix(".py") if source.with_suffix(".py").is_file() else source
    if source.is_dir():
        source = source / "__init__.py"
    if not source.is_file():
        raise LambdaRuntimeError(f"handler module {module_path!r} not in {location.code_dir}")
    # Unique per function, so that every function's `app.py` is its own module.
    unique = re.sub(r"\W", "_", f"_lambda_{function_name}_{module_path}")
    spec = importlib.util.spec_from_file_location(unique, source)
    if spec is None or spec.loader is None:
        raise LambdaRuntimeError(f"cannot load {source}")
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[unique] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(unique, None)
        raise
    try:
        loaded: Callable[..., Any] = getattr(module, attribute)
    except AttributeError as exc:
        raise LambdaRuntimeError(f"{source} has no {attribute!r}") from exc
    _REGISTRY.handlers[key] = loaded
    return loaded


# -- context and errors -----------------------------------------------------------------------
class LambdaContext:
    """The attributes of the Python runtime's context object (what Powertools reads)."""

    def __init__(self, function: Any, request_id: str, env: dict[str, str]) -> None:
        self.function_name: str = function.function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn: str = function.function_arn
        self.memory_limit_in_mb = int(function.memory_size)
        self.aws_request_id = request_id
        self.log_group_name: str = function.logs_group_name
        self.log_stream_name = env["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline = time.monotonic() + float(function.timeout)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def error_payload(
    exc: BaseException, request_id: str, error_type: str | None = None
) -> dict[str, Any]:
    """The Python runtime's error document for an unhandled exception."""
    trace = exc.__traceback__
    while trace is not None and trace.tb_frame.f_code.co_filename == __file__:
        trace = trace.tb_next  # the runtime's own frames are not the function's
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_tb(trace),
    }


def _endpoint() -> str:
    if _REGISTRY.embedded is None:
        raise LambdaRuntimeError("the Lambda runtime is not installed in an embedded stack")
    return _REGISTRY.embedded.endpoint


# -- invocation -------------------------------------------------------------------------------
class _MarshalError(Exception):
    """The handler returned something that is not JSON (the runtime's Runtime.MarshalError)."""


def _run_handler(function: Any, event: Any, request_id: str, env: dict[str, str]) -> str:
    """The handler's result as JSON text; raises what the handler (or loading it) raises."""
    location = _code_location(function)
    with _sandbox({**env, "LAMBDA_TASK_ROOT": str(location.code_dir)}, location.import_paths()):
        handler = _load_handler(function, location)
        result = handler(event, LambdaContext(function, request_id, env))
    try:
        return json.dumps(result)
    except (TypeError, ValueError) as exc:
        raise _MarshalError(str(exc)) from exc


def timed_out_payload(request_id: str, timeout: float) -> dict[str, Any]:
    """What Lambda answers when a function outlives its Timeout."""
    return {
        "errorType": "Sandbox.Timedout",
        "errorMessage": (
            f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds"
        ),
    }


def invoke_in_process(function: Any, event: Any) -> tuple[str, bool, str]:
    """Run the handler; returns (payload JSON, errored, log text) as moto's hook expects."""
    request_id = str(uuid.uuid4())
    function.logs_backend.ensure_log_group(function.logs_group_name)
    with _LOCK:
        env = lambda_environment(function, _endpoint())
        started = time.monotonic()
        errored = True
        try:
            payload = _run_handler(function, event, request_id, env)
            errored = False
        except _MarshalError as exc:
            payload = json.dumps(error_payload(exc, request_id, "Runtime.MarshalError"))
        except Exception as exc:  # noqa: BLE001 - as the runtime: report any failure, never crash
            payload = json.dumps(error_payload(exc, request_id))
            logger.info("%s raised %s: %s", function.function_name, type(exc).__name__, exc)
        elapsed = time.monotonic() - started
    # A thread cannot be stopped part-way, so the Timeout is applied once the handler returns:
    # the caller sees what Lambda would have answered (side effects have happened, though).
    if elapsed > float(function.timeout):
        payload, errored = json.dumps(timed_out_payload(request_id, float(function.timeout))), True
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


def _cleanup_extracted() -> None:
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
    atexit.register(_cleanup_extracted)
