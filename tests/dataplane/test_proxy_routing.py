"""Real NGINX, THE config: published services are reached, end to end."""

from __future__ import annotations

import json
import ssl

import pytest
from dataplane_stack import ALLOWED_CLIENT, SERVICES, ProxyStack
from dataplane_wire import (
    connect,
    http_request,
    parse_response,
    proxy_v1,
    proxy_v2,
    read_all,
)

pytestmark = pytest.mark.dataplane


def tls_get(proxy: ProxyStack, port: int, server_name: str, header: bytes) -> dict:
    """PROXY header, then a TLS handshake that verifies the backend's certificate."""
    sock = connect(port)
    sock.sendall(header)
    context = ssl.create_default_context(cafile=str(proxy.ca_path))
    with context.wrap_socket(sock, server_hostname=server_name) as tls:
        tls.sendall(http_request(server_name))
        status, _headers, body = parse_response(read_all(tls))
    assert status == 200
    return json.loads(body)


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
@pytest.mark.parametrize("version", ["v1", "v2"])
def test_given_published_domain_when_tls_client_connects_by_sni_then_its_backend_answers_verified(
    proxy: ProxyStack, service, version
) -> None:
    build = proxy_v1 if version == "v1" else proxy_v2
    header = build(ALLOWED_CLIENT, "127.0.0.1", 40000, proxy.tls_port)

    answer = tls_get(proxy, proxy.tls_port, service.custom_domain, header)

    assert answer["service"] == service.name
    assert answer["scheme"] == "https"
    assert answer["port"] == proxy.tls_port


def test_given_second_tls_port_when_client_connects_then_same_port_is_used_upstream(
    proxy: ProxyStack,
) -> None:
    port = proxy.tls_ports[1]
    service = SERVICES[0]

    answer = tls_get(
        proxy, port, service.custom_domain, proxy_v2(ALLOWED_CLIENT, "127.0.0.1", 1, port)
    )

    assert (answer["service"], answer["port"]) == (service.name, port)


def test_given_upper_case_sni_when_client_connects_then_matched_case_insensitively(
    proxy: ProxyStack,
) -> None:
    service = SERVICES[1]

    answer = tls_get(
        proxy,
        proxy.tls_port,
        service.custom_domain.upper(),
        proxy_v2(ALLOWED_CLIENT, "127.0.0.1", 1, proxy.tls_port),
    )

    assert answer["service"] == service.name


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_given_published_domain_when_http_request_by_host_then_its_backend_answers(
    proxy: ProxyStack, service
) -> None:
    sock = connect(proxy.http_port)
    sock.sendall(
        proxy_v2(ALLOWED_CLIENT, "127.0.0.1", 40000, proxy.http_port)
        + http_request(service.custom_domain)
    )

    status, headers, body = parse_response(read_all(sock))

    answer = json.loads(body)
    assert status == 200
    assert headers["x-served-by"] == service.name
    assert answer["host"] == service.custom_domain  # Host header kept
    assert answer["port"] == proxy.http_port


def test_given_spoofed_forwarded_for_when_http_request_then_backend_sees_proxy_source_only(
    proxy: ProxyStack,
) -> None:
    sock = connect(proxy.http_port)
    sock.sendall(
        proxy_v2(ALLOWED_CLIENT, "127.0.0.1", 40000, proxy.http_port)
        + http_request(SERVICES[0].custom_domain, extra_headers="X-Forwarded-For: 10.9.9.9\r\n")
    )

    _, _, body = parse_response(read_all(sock))

    assert json.loads(body)["xForwardedFor"] == ALLOWED_CLIENT


def test_given_absolute_uri_and_other_host_header_when_request_then_validated_name_is_sent(
    proxy: ProxyStack,
) -> None:
    published = SERVICES[0].custom_domain
    request = (
        f"GET http://{published}/x HTTP/1.1\r\nHost: internal.example.com\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    sock = connect(proxy.http_port)
    sock.sendall(proxy_v2(ALLOWED_CLIENT, "127.0.0.1", 40000, proxy.http_port) + request)

    _, _, body = parse_response(read_all(sock))

    answer = json.loads(body)
    assert (answer["service"], answer["host"]) == (SERVICES[0].name, published)


def test_given_keepalive_client_when_two_requests_on_one_connection_then_both_answered(
    proxy: ProxyStack,
) -> None:
    host = SERVICES[1].custom_domain
    keepalive = f"GET /1 HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    sock = connect(proxy.http_port)
    sock.sendall(proxy_v2(ALLOWED_CLIENT, "127.0.0.1", 1, proxy.http_port) + keepalive)
    sock.sendall(http_request(host, path="/2"))

    raw = read_all(sock)

    assert raw.count(b"HTTP/1.1 200") == 2
    assert b'"path": "/1"' in raw and b'"path": "/2"' in raw
