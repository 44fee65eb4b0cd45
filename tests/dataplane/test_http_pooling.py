"""The HTTP port on nginx 1.30: pooled upstream connections per Lattice service, names
re-resolved at run time, WebSockets, forwarded headers replaced, IPv6 clients."""

from __future__ import annotations

import json
import ssl
import time

import pytest
from dataplane_stack import (
    ALLOWED_CLIENT,
    ALLOWED_CLIENT_V6,
    DENIED_CLIENT_V6,
    SERVICES,
    ProxyStack,
)
from dataplane_wire import connect, http_request, parse_response, proxy_v2, read_all
from websockets.sync.client import connect as websocket_connect

pytestmark = pytest.mark.dataplane


def get(proxy: ProxyStack, host: str, client: str = ALLOWED_CLIENT, headers: str = "") -> tuple:
    """One request on a new client connection (Connection: close), as from `client`."""
    sock = connect(proxy.http_port)
    sock.sendall(
        proxy_v2(client, "127.0.0.1", 40000, proxy.http_port) + http_request(host, "/", headers)
    )
    status, response_headers, body = parse_response(read_all(sock))
    sock.close()
    return status, response_headers, body


def test_given_many_client_connections_when_proxied_then_upstream_connections_are_reused(
    proxy: ProxyStack,
) -> None:
    service = SERVICES[0]
    get(proxy, service.custom_domain)  # the pool now holds a connection
    connections_before, requests_before = proxy.backends.counters(service.name)

    statuses = [get(proxy, service.custom_domain)[0] for _ in range(20)]

    connections, requests = proxy.backends.counters(service.name)
    assert statuses == [200] * 20
    assert requests - requests_before == 20
    # One worker, sequential requests: the pooled connection carries them all (the old
    # per-request proxy_pass opened 20). Allow one reconnect for an idle close.
    assert connections - connections_before <= 1


def test_given_service_moves_when_name_resolves_elsewhere_then_reached_without_reload(
    proxy: ProxyStack,
) -> None:
    service = SERVICES[1]
    other = SERVICES[0]
    workers = proxy.nginx._workers()
    proxy.resolver.set_records({**proxy.backends.dns_records, service.dns_name: other.address})
    try:
        moved_to = answered_by(proxy, service.custom_domain, other.name)
    finally:
        proxy.resolver.set_records(proxy.backends.dns_records)
    moved_back_to = answered_by(proxy, service.custom_domain, service.name)

    assert moved_to == other.name
    assert moved_back_to == service.name
    assert proxy.nginx._workers() == workers  # no reload happened


def answered_by(proxy: ProxyStack, host: str, expected: str) -> str:
    """Who answers `host`, retried (bounded) until `expected` does: valid=1s in the tests."""
    answer = ""
    for _ in range(100):
        status, _, body = get(proxy, host)
        answer = json.loads(body)["service"] if status == 200 else str(status)
        if answer == expected:
            break
        time.sleep(0.05)
    return answer


def test_given_client_forwarding_headers_when_proxied_then_replaced_by_proxy_values(
    proxy: ProxyStack,
) -> None:
    service = SERVICES[0]
    forged = (
        "Forwarded: for=10.0.0.1;host=evil.example\r\n"
        "X-Real-IP: 10.0.0.2\r\n"
        "X-Forwarded-For: 10.0.0.3\r\n"
        "X-Forwarded-Host: evil.example\r\n"
        "X-Forwarded-Proto: https\r\n"
    )

    status, _, body = get(proxy, service.custom_domain, headers=forged)

    seen = json.loads(body)["headers"]
    assert status == 200
    assert "forwarded" not in seen
    assert seen["x-real-ip"] == ALLOWED_CLIENT
    assert seen["x-forwarded-for"] == ALLOWED_CLIENT
    assert seen["x-forwarded-host"] == service.custom_domain
    assert seen["x-forwarded-proto"] == "http"
    assert "10.0.0" not in body.decode() and "evil" not in body.decode()


@pytest.mark.parametrize(
    ("client", "expected"), [(ALLOWED_CLIENT_V6, 200), (DENIED_CLIENT_V6, 403)]
)
def test_given_ipv6_client_when_it_connects_then_allow_list_decides(
    proxy: ProxyStack, client: str, expected: int
) -> None:
    status, _, body = get(proxy, SERVICES[0].custom_domain, client=client)

    assert status == expected
    if expected == 200:
        assert json.loads(body)["headers"]["x-forwarded-for"] == client


def test_given_ipv6_client_when_tls_connects_then_allow_list_decides(proxy: ProxyStack) -> None:
    service = SERVICES[0]
    context = ssl.create_default_context(cafile=str(proxy.ca_path))

    def handshake(client: str) -> str:
        sock = connect(proxy.tls_port)
        sock.sendall(proxy_v2(client, "::1", 40000, proxy.tls_port))
        with context.wrap_socket(sock, server_hostname=service.custom_domain) as tls:
            tls.sendall(http_request(service.custom_domain))
            return json.loads(parse_response(read_all(tls))[2])["service"]

    assert handshake(ALLOWED_CLIENT_V6) == service.name
    with pytest.raises((ssl.SSLError, ConnectionError)):
        handshake(DENIED_CLIENT_V6)


def test_given_websocket_client_when_it_upgrades_through_http_port_then_messages_echo(
    proxy: ProxyStack,
) -> None:
    service = SERVICES[1]
    sock = connect(proxy.http_port)
    sock.sendall(proxy_v2(ALLOWED_CLIENT, "127.0.0.1", 40000, proxy.http_port))

    with websocket_connect(
        f"ws://{service.custom_domain}/chat", sock=sock, open_timeout=10, close_timeout=5
    ) as websocket:
        websocket.send("hello")
        first = websocket.recv(timeout=10)
        websocket.send(b"\x00\x01binary")
        second = websocket.recv(timeout=10)

    assert first == f"{service.name}: hello"
    assert second == f"{service.name}: ".encode() + b"\x00\x01binary"
