"""Fixtures for the real-NGINX tests: stand-in Lattice services on their own loopback
addresses, the local resolver, and nginx running THE config on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from dataplane_stack import (
    ALLOWED_CIDRS,
    SERVICES,
    TRUSTED_PROXIES,
    UNPUBLISHED,
    ProxyStack,
    start_stand_ins,
)

from embedded_aws.dataplane.backends import (
    LocalCertificateAuthority,
    StandInBackends,
)
from embedded_aws.dataplane.dns import LocalResolver
from embedded_aws.dataplane.nginx_process import NginxProcess, find_nginx
from lattice_ingress.logic.nginx_config import ProxyOptions


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if find_nginx() is not None:
        return
    skip = pytest.mark.skip(
        reason="nginx binary not found (apt-get install nginx libnginx-mod-stream)"
    )
    for item in items:
        if item.get_closest_marker("dataplane"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def stand_ins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandInBackends]:
    ca = LocalCertificateAuthority(tmp_path_factory.mktemp("ca"))
    backends = start_stand_ins([*SERVICES, UNPUBLISHED], tls_port_count=2, ca=ca)
    try:
        yield backends
    finally:
        backends.stop()


@pytest.fixture(scope="session")
def resolver(stand_ins: StandInBackends) -> Iterator[LocalResolver]:
    with LocalResolver(stand_ins.dns_records) as server:
        yield server


@pytest.fixture(scope="session")
def proxy(
    stand_ins: StandInBackends, resolver: LocalResolver, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProxyStack]:
    if find_nginx() is None:
        pytest.skip("nginx binary not found")
    assert stand_ins.http_port is not None
    nginx = NginxProcess(tmp_path_factory.mktemp("nginx"))

    def make_options(**overrides: Any) -> ProxyOptions:
        values: dict[str, Any] = {
            "vpc_cidrs": TRUSTED_PROXIES,
            "allowed_client_cidrs": ALLOWED_CIDRS,
            "resolver": resolver.address,
            "resolver_valid_seconds": 1,
            "tls_ports": stand_ins.tls_ports,
            "http_port": stand_ins.http_port,
            "listen_address": "127.0.0.1",
            "worker_processes": 1,
            "worker_connections": 1024,
            "error_log_level": "info",
            **nginx.local_paths(),
        }
        values.update(overrides)
        return ProxyOptions(**values)

    stack = ProxyStack(
        nginx=nginx,
        resolver=resolver,
        backends=stand_ins,
        tls_ports=stand_ins.tls_ports,
        http_port=stand_ins.http_port,
        routes={s.custom_domain: s.dns_name for s in SERVICES if s.custom_domain},
        make_options=make_options,
    )
    nginx.start(stack.render())
    try:
        yield stack
    finally:
        nginx.stop()
