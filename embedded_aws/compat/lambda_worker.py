"""One warm Lambda execution environment: a process of its own per function container.

Run as a script (`python lambda_worker.py <request fd> <response fd>`), never imported by
the handler's world: its environment is exactly what the parent (lambda_runtime.py) gives
it, i.e. what Lambda would (the function's variables, the runtime's own, the execution
role's credentials), and its sys.path is the task root then the layers (PYTHONPATH).

Protocol, one JSON line each way per invocation:
  request  {"requestId", "event", "timeoutMs", "functionArn", "functionName", "memoryMb",
            "logGroup", "logStream"}
  response {"payload": <JSON text>, "errored": bool}
The handler's module is imported at the first invocation and kept, as in a warm container;
its stdout and stderr are the parent's stderr (Lambda's log stream).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any

_RUNTIME_FILE = os.path.abspath(__file__)


class LambdaContext:
    """The attributes of the Python runtime's context object (what Powertools reads)."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.function_name: str = request["functionName"]
        self.function_version = "$LATEST"
        self.invoked_function_arn: str = request["functionArn"]
        self.memory_limit_in_mb = int(request["memoryMb"])
        self.aws_request_id: str = request["requestId"]
        self.log_group_name: str = request["logGroup"]
        self.log_stream_name: str = request["logStream"]
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline = time.monotonic() + request["timeoutMs"] / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def error_payload(exc: BaseException, request_id: str, error_type: str | None = None) -> str:
    """The Python runtime's error document for an unhandled exception."""
    trace = exc.__traceback__
    while trace is not None and os.path.abspath(trace.tb_frame.f_code.co_filename) == _RUNTIME_FILE:
        trace = trace.tb_next  # the runtime's own frames are not the function's
    return json.dumps(
        {
            "errorMessage": str(exc),
            "errorType": error_type or type(exc).__name__,
            "requestId": request_id,
            "stackTrace": traceback.format_tb(trace),
        }
    )


def load_handler() -> Any:
    module_path, _, attribute = os.environ.get("_HANDLER", "").rpartition(".")
    if not module_path or not attribute:
        raise ImportError(f"bad handler {os.environ.get('_HANDLER')!r}: expected module.function")
    return getattr(importlib.import_module(module_path), attribute)


def main(request_fd: int, response_fd: int) -> None:
    handler: Any = None
    with os.fdopen(request_fd, "rb") as requests, os.fdopen(response_fd, "wb") as responses:
        for line in requests:  # EOF: the parent is gone or retired this container
            request = json.loads(line)
            request_id = request["requestId"]
            errored = True
            try:
                if handler is None:
                    handler = load_handler()
                result = handler(request["event"], LambdaContext(request))
                try:
                    payload = json.dumps(result)
                    errored = False
                except (TypeError, ValueError) as exc:
                    payload = error_payload(exc, request_id, "Runtime.MarshalError")
            except Exception as exc:  # noqa: BLE001 - as the runtime: report, never crash
                payload = error_payload(exc, request_id)
            sys.stdout.flush()
            sys.stderr.flush()
            responses.write(json.dumps({"payload": payload, "errored": errored}).encode() + b"\n")
            responses.flush()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
