"""Real NGINX, THE config: deny by default. Nothing but a published name is forwarded,
and an unpublished name is never even resolved."""

from __future__ import annotations

import ssl
import time

import pytest
from dataplane_stack import ALLOWED_CLIENT, DENIED_CLIENT, SERVICES, UNPUBLISHED, ProxyStack
from dataplane_wire import (
    client_hello,
    connect,
    http_request,
    parse_response,
    proxy_v2,
    read_all,
)

from embedded_aws.dataplane.nginx_process import NginxProcess

pytestmark = pytest.mark.dataplane

HOSTILE_NAMES = [
    "unknown.example.com",
    UNPUBLISHED.custom_domain,  # a real, resolvable service that is not published
    UNPUBLISHED.dns_name,  # its Lattice name, asked for directly
    "169.254.169.254",  # EC2 instance metadata
    "169.254.170.2",  # ECS task metadata / credentials
    "localhost",
    "127.0.0.1",
]


def unpublished_queries(proxy: ProxyStack) -> list[tuple[str, str]]:
    """Lookups of anything but a published Lattice name. The pooled HTTP upstreams
    re-resolve the published names in the background (valid=1s here); nothing else may
    ever reach the resolver."""
    published = set(proxy.routes.values())
    return [query for query in proxy.resolver.queries if query[0] not in published]


def send_and_read(port: int, payload: bytes) -> bytes:
    sock = connect(port)
    sock.sendall(payload)
    return read_all(sock)


@pytest.mark.parametrize("server_name", [*HOSTILE_NAMES, None], ids=str)
def test_given_unpublished_sni_when_client_connects_then_refused_and_never_resolved(
    proxy: ProxyStack, server_name: str | None
) -> None:
    proxy.resolver.clear_queries()

    answer = send_and_read(
        proxy.tls_port,
        proxy_v2(ALLOWED_CLIENT, "127.0.0.1", 1, proxy.tls_port) + client_hello(server_name),
    )

    assert answer == b""  # closed without a ServerHello
    assert unpublished_queries(proxy) == []


def test_given_unpublished_sni_when_real_tls_client_connects_then_handshake_fails(
    proxy: ProxyStack,
) -> None:
    sock = connect(proxy.tls_port)
    sock.sendall(proxy_v2(ALLOWED_CLIENT, "127.0.0.1", 1, proxy.tls_port))
    context = ssl.create_default_context(cafile=str(proxy.ca_path))

    with pytest.raises((ssl.SSLError, ConnectionError)):
        context.wrap_socket(sock, server_hostname=UNPUBLISHED.custom_domain)


@pytest.mark.parametrize("host", [*HOSTILE_NAMES, "[::1]", "orders.example.com.evil.test"])
def test_given_unpublished_host_when_http_request_then_421_and_never_resolved(
    proxy: ProxyStack, host: str
) -> None:
    proxy.resolver.clear_queries()

    raw = send_and_read(
        proxy.http_port,
        proxy_v2(ALLOWED_CLIENT, "127.0.0.1", 1, proxy.http_port) + http_request(host),
    )

    status, headers, _ = parse_response(raw)
    assert status == 421
    assert "x-served-by" not in headers
    assert unpublished_queries(proxy) == []


def test_given_request_without_host_when_http_1_0_then_421(proxy: ProxyStack) -> None:
    raw = send_and_read(
        proxy.http_port,
        proxy_v2(ALLOWED_CLIENT, "127.0.0.1", 1, proxy.http_port) + b"GET / HTTP/1.0\r\n\r\n",
    )

    assert parse_response(raw)[0] == 421


@pytest.mark.parametrize("listener", ["tls", "http"])
def test_given_no_proxy_header_when_client_connects_then_connection_closed_unanswered(
    proxy: ProxyStack, listener: str
) -> None:
    port = proxy.tls_port if listener == "tls" else proxy.http_port
    payload = (
        client_hello(SERVICES[0].custom_domain)
        if listener == "tls"
        else http_request(SERVICES[0].custom_domain)
    )

    assert send_and_read(port, payload) == b""


def test_given_denied_source_when_tls_to_published_name_then_refused(proxy: ProxyStack) -> None:
    answer = send_and_read(
        proxy.tls_port,
        proxy_v2(DENIED_CLIENT, "127.0.0.1", 1, proxy.tls_port)
        + client_hello(SERVICES[0].custom_domain),
    )

    assert answer == b""


def test_given_allowed_source_when_tls_to_published_name_then_backend_answers(
    proxy: ProxyStack,
) -> None:
    """The control for the test above: same bytes, allowed source -> the backend answers."""
    answer = send_and_read(
        proxy.tls_port,
        proxy_v2(ALLOWED_CLIENT, "127.0.0.1", 1, proxy.tls_port)
        + client_hello(SERVICES[0].custom_domain),
    )

    # A TLS record from the backend (our minimal ClientHello earns a handshake alert).
    assert answer[:1] in (b"\x15", b"\x16")


@pytest.mark.parametrize(
    "host", [SERVICES[0].custom_domain, "unknown.example.com", "169.254.169.254"]
)
def test_given_denied_source_when_http_request_then_403_whether_published_or_not(
    proxy: ProxyStack, host: str
) -> None:
    raw = send_and_read(
        proxy.http_port,
        proxy_v2(DENIED_CLIENT, "127.0.0.1", 1, proxy.http_port) + http_request(host),
    )

    assert parse_response(raw)[0] == 403  # same answer: no enumeration of the catalog


def test_given_second_allowed_cidr_when_http_request_then_forwarded(proxy: ProxyStack) -> None:
    raw = send_and_read(
        proxy.http_port,
        proxy_v2("198.51.100.7", "127.0.0.1", 1, proxy.http_port)
        + http_request(SERVICES[0].custom_domain),
    )

    assert parse_response(raw)[0] == 200


def test_given_proxy_sender_outside_vpc_cidrs_when_header_claims_allowed_source_then_denied(
    proxy: ProxyStack, tmp_path
) -> None:
    """The PROXY header is trusted only from vpc_cidrs; our client (127.0.0.1) is not in
    10.0.0.0/16 here, so its claim is ignored and 127.0.0.1 itself is checked (denied)."""
    with NginxProcess(tmp_path) as untrusting:
        # Another loopback address, so both nginx instances can listen at once.
        untrusting.start(
            proxy.render(
                vpc_cidrs=["10.0.0.0/16"], listen_address="127.0.0.2", **untrusting.local_paths()
            )
        )
        sock = connect(proxy.http_port, host="127.0.0.2")
        sock.sendall(
            proxy_v2(ALLOWED_CLIENT, "127.0.0.2", 1, proxy.http_port)
            + http_request(SERVICES[0].custom_domain)
        )

        status = parse_response(read_all(sock))[0]

    assert status == 403


def test_given_published_name_when_requested_then_resolver_is_asked(proxy: ProxyStack) -> None:
    """The control for the "never resolved" tests: the resolver does see lookups of the
    published names (requests, and the pooled upstreams' re-resolution every valid=1s)."""
    host = SERVICES[1].custom_domain
    proxy.resolver.clear_queries()
    for _ in range(40):
        raw = send_and_read(
            proxy.http_port,
            proxy_v2(ALLOWED_CLIENT, "127.0.0.1", 1, proxy.http_port) + http_request(host),
        )
        assert parse_response(raw)[0] == 200
        if (SERVICES[1].dns_name, "A") in proxy.resolver.queries:
            break
        time.sleep(0.1)

    assert (SERVICES[1].dns_name, "A") in proxy.resolver.queries
