"""Shared pieces of the real-NGINX tests (a uniquely named module: `conftest` is not
importable reliably when several test directories have one)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embedded_aws.dataplane.backends import (
    LocalCertificateAuthority,
    StandInBackends,
    StandInBackendsError,
    StandInService,
    free_port,
    loopback_address,
)
from embedded_aws.dataplane.dns import LocalResolver
from embedded_aws.dataplane.nginx_process import NginxProcess
from lattice_ingress.logic.nginx_config import ProxyOptions, render_nginx_config

ALLOWED_CLIENT = "203.0.113.10"  # inside ALLOWED_CIDRS
DENIED_CLIENT = "192.0.2.66"  # outside
ALLOWED_CIDRS = ["203.0.113.0/24", "198.51.100.7/32", "2001:db8:1::/48"]
ALLOWED_CLIENT_V6 = "2001:db8:1::10"  # inside the IPv6 entry
DENIED_CLIENT_V6 = "2001:db8:2::66"  # outside
TRUSTED_PROXIES = ["127.0.0.0/8"]  # the "NLB nodes": our test client connects from here

SERVICES = [
    StandInService(
        "orders",
        "orders-0a1b2c3d4e5f60718.7d67968.vpc-lattice-svcs.us-east-1.on.aws",
        "orders.example.com",
        loopback_address(0),
    ),
    StandInService(
        "payments",
        "payments-0f1e2d3c4b5a69788.7d67968.vpc-lattice-svcs.us-east-1.on.aws",
        "payments.example.com",
        loopback_address(1),
    ),
]
# A service that exists (resolvable, serving) but is NOT published: only the catalog decides.
UNPUBLISHED = StandInService(
    "internal",
    "internal-0aaaabbbbccccdddd.7d67968.vpc-lattice-svcs.us-east-1.on.aws",
    "internal.example.com",
    loopback_address(2),
)


@dataclass
class ProxyStack:
    """nginx on 127.0.0.1 in front of the stand-ins, and the means to inspect it."""

    nginx: NginxProcess
    resolver: LocalResolver
    backends: StandInBackends
    tls_ports: list[int]
    http_port: int
    routes: dict[str, str]
    make_options: Callable[..., ProxyOptions]

    @property
    def tls_port(self) -> int:
        return self.tls_ports[0]

    @property
    def ca_path(self) -> Path:
        return self.backends.ca_path

    def render(self, routes: dict[str, str] | None = None, **overrides: Any) -> str:
        return render_nginx_config(
            self.routes if routes is None else routes, self.make_options(**overrides)
        )

    def log_lines(self, name: str) -> list[str]:
        path = self.nginx.log_path(name)
        return path.read_text().splitlines() if path.exists() else []

    def wait_for_log(self, name: str, count: int, timeout: float = 5.0) -> list[str]:
        """nginx writes the access log when a session ends; wait (bounded) for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = self.log_lines(name)
            if len(lines) >= count:
                return lines
            time.sleep(0.02)
        return self.log_lines(name)


def start_stand_ins(
    services: list[StandInService], *, tls_port_count: int, ca: LocalCertificateAuthority | None
) -> StandInBackends:
    """Start stand-ins on fresh ephemeral ports; retry (bounded) if another process grabbed
    a port between free_port() and bind (other suites may run on this host too)."""
    last: StandInBackendsError | None = None
    for _ in range(5):
        backends = StandInBackends(
            services,
            tls_ports=[free_port() for _ in range(tls_port_count)],
            http_port=free_port(),
            ca=ca,
        )
        try:
            return backends.start()
        except StandInBackendsError as exc:
            last = exc
    raise RuntimeError("could not bind the stand-in backends") from last
