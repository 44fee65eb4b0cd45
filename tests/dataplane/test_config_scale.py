"""`nginx -t` on THE config: 10,000 services load without a warning, thanks to the computed
map hash sizes; an empty catalog is a valid config that refuses everything."""

from __future__ import annotations

import re
import time

import pytest
from dataplane_stack import ALLOWED_CLIENT, SERVICES, ProxyStack
from dataplane_wire import client_hello, connect, http_request, parse_response, proxy_v2, read_all

from embedded_aws.dataplane.nginx_process import NginxProcess

pytestmark = pytest.mark.dataplane


def catalog(count: int) -> dict[str, str]:
    """Realistic names: custom domains and Lattice-generated upstream names."""
    return {
        f"service-{i:05d}.team-{i % 37:02d}.apps.example.com": (
            f"service-{i:05d}-0{i:016x}.7d67968.vpc-lattice-svcs.eu-west-1.on.aws"
        )
        for i in range(count)
    }


@pytest.fixture(scope="module")
def big_config(proxy: ProxyStack) -> str:
    return proxy.render(catalog(10_000))


def test_given_10000_services_when_nginx_t_then_ok_without_warning(
    proxy: ProxyStack, big_config: str
) -> None:
    result = proxy.nginx.validate(big_config)

    assert result.ok, result.output
    assert "[warn]" not in result.output
    assert result.warnings == []


def test_given_10000_services_with_default_hash_sizes_when_nginx_t_then_it_warns(
    proxy: ProxyStack, big_config: str
) -> None:
    """The control: without the computed sizes nginx warns, so the computation matters."""
    defaults = re.sub(r"map_hash_max_size \d+;", "map_hash_max_size 2048;", big_config)
    defaults = re.sub(r"map_hash_bucket_size \d+;", "map_hash_bucket_size 64;", defaults)

    result = proxy.nginx.validate(defaults)

    assert any("map_hash" in warning for warning in result.warnings), result.output


def test_given_empty_catalog_when_nginx_t_then_valid_without_warning(proxy: ProxyStack) -> None:
    result = proxy.nginx.validate(proxy.render({}))

    assert result.ok, result.output
    assert result.warnings == []


def test_given_empty_catalog_when_serving_then_every_name_refused(
    proxy: ProxyStack, tmp_path
) -> None:
    with NginxProcess(tmp_path) as empty:
        empty.start(proxy.render({}, listen_address="127.0.0.4", **empty.local_paths()))
        tls = connect(proxy.tls_port, host="127.0.0.4")
        tls.sendall(
            proxy_v2(ALLOWED_CLIENT, "127.0.0.4", 1, proxy.tls_port)
            + client_hello(SERVICES[0].custom_domain)
        )
        http = connect(proxy.http_port, host="127.0.0.4")
        http.sendall(
            proxy_v2(ALLOWED_CLIENT, "127.0.0.4", 1, proxy.http_port)
            + http_request(SERVICES[0].custom_domain)
        )

        tls_answer = read_all(tls)
        http_status = parse_response(read_all(http))[0]

    assert tls_answer == b""
    assert http_status == 421


def test_given_10000_services_plus_real_ones_when_serving_then_real_ones_routed(
    proxy: ProxyStack, tmp_path
) -> None:
    routes = {**catalog(10_000), **{s.custom_domain: s.dns_name for s in SERVICES}}
    with NginxProcess(tmp_path) as big:
        # 10,002 pooled upstreams: nginx 1.30 needs seconds to load them (bench figures).
        big.start(
            proxy.render(routes, listen_address="127.0.0.7", **big.local_paths()), timeout=120
        )
        # Upstream names are resolved by the workers after start: bounded retries.
        status, headers = 0, {}
        for _ in range(100):
            sock = connect(proxy.http_port, host="127.0.0.7")
            sock.sendall(
                proxy_v2(ALLOWED_CLIENT, "127.0.0.7", 1, proxy.http_port)
                + http_request(SERVICES[1].custom_domain)
            )
            status, headers, _ = parse_response(read_all(sock))
            if status == 200:
                break
            time.sleep(0.2)

    assert (status, headers["x-served-by"]) == (200, SERVICES[1].name)
