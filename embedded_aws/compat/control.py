"""How the emulator is steered from outside: control endpoints and delay variables.

Each compat module that can be steered over HTTP (faults, ECS rollouts, Lattice holds)
builds its middleware with `control_endpoint(path, answer)`: `/_lattice_ingress/...` paths
are answered here, never by moto; `answer` gets the request and returns the response,
usually `json_response(...)`. Emulated delays (ECS rollouts, Lattice provisioning) are read
with `seconds_from_env`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from embedded_aws.server import Middleware, WsgiApp


def seconds_from_env(name: str, default: float) -> float:
    """A delay from the environment (negative ones are 0); `default` if unset or not a number."""
    raw = os.environ.get(name, "")
    try:
        return max(float(raw), 0.0) if raw else default
    except ValueError:
        return default


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload), status, mimetype="application/json")


def control_endpoint(path: str, answer: Callable[[Request], Response]) -> Middleware:
    """A middleware answering requests for `path` with `answer`; others go on to the app."""

    def wrap(app: WsgiApp) -> WsgiApp:
        def middleware(
            environ: dict[str, Any], start_response: Callable[..., Any]
        ) -> Iterable[bytes]:
            if environ.get("PATH_INFO") != path:
                return app(environ, start_response)
            response: Iterable[bytes] = answer(Request(environ))(environ, start_response)
            return response

        return middleware

    return wrap
