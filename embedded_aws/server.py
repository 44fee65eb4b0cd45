"""moto in server mode, in this process, on 127.0.0.1, with our compatibility layer.

One `EmbeddedAws` per process: moto's backends are process-global. Compatibility modules
hook in through `install(embedded)` (see `compat/__init__.py`) and may wrap the WSGI app
with `add_middleware` (fault injection, local control endpoints).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from werkzeug.serving import BaseWSGIServer, make_server

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"  # moto's default account
DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Any]
Middleware = Callable[[WsgiApp], WsgiApp]

logger = logging.getLogger(__name__)


class EmbeddedAwsError(RuntimeError):
    """The embedded stack could not start or was used before it started."""


class EmbeddedAws:
    """A running moto server plus the compatibility layer; `endpoint` is what SDKs use."""

    def __init__(self, port: int = 0, region: str = DEFAULT_REGION) -> None:
        self.region = region
        self.account_id = DEFAULT_ACCOUNT_ID
        self._requested_port = port
        self._middlewares: list[Middleware] = []
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> EmbeddedAws:
        from moto.core.config import default_user_config
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )

        from embedded_aws import compat

        # Run ASL for real instead of moto's default of returning canned results.
        default_user_config["stepfunctions"] = {"execute_state_machine": True}
        app: WsgiApp = DomainDispatcherApplication(create_backend_app)
        compat.install(self)
        for middleware in reversed(self._middlewares):
            app = middleware(app)
        self._server = make_server(
            "127.0.0.1",
            self._requested_port,
            app,
            threaded=True,
            request_handler=MotoRequestHandler,
        )
        # moto's Step Functions interpreter calls back into http://localhost:$MOTO_PORT.
        os.environ["MOTO_PORT"] = str(self.port)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="embedded-aws", daemon=True
        )
        self._thread.start()
        logger.info("embedded AWS listening on %s", self.endpoint)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def __enter__(self) -> EmbeddedAws:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- hooks and helpers ----------------------------------------------------------------
    def add_middleware(self, middleware: Middleware) -> None:
        """Wrap moto's WSGI app; call from a compat module's `install` (before start binds).

        Adding a middleware already added changes nothing, so installs are idempotent."""
        if middleware in self._middlewares:
            return
        if self._server is not None:
            raise EmbeddedAwsError("middlewares must be added before the server starts")
        self._middlewares.append(middleware)

    @property
    def port(self) -> int:
        if self._server is None:
            raise EmbeddedAwsError("the embedded stack is not running")
        return int(self._server.server_port)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, service: str, **config: Any) -> BaseClient:
        """A boto3 client for this stack, with dummy credentials."""
        return boto3.client(
            service,
            region_name=self.region,
            endpoint_url=self.endpoint,
            config=Config(retries={"mode": "standard"}, **config),
            **DUMMY_CREDENTIALS,
        )
