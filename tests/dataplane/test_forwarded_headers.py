"""Real NGINX, THE config: forwarding headers a client sends on the HTTP port never reach
the service; each is replaced by what the proxy itself knows, or dropped."""

from __future__ import annotations

import json

import pytest
from dataplane_stack import ALLOWED_CLIENT, SERVICES, ProxyStack
from dataplane_wire import connect, http_request, parse_response, proxy_v2, read_all

pytestmark = pytest.mark.dataplane

SPOOFED = (
    "Forwarded: for=10.9.9.9;host=evil.example;proto=https\r\n"
    "X-Real-IP: 10.9.9.9\r\n"
    "X-Forwarded-For: 10.9.9.9\r\n"
    "X-Forwarded-For: 10.8.8.8\r\n"
    "X-Forwarded-Host: evil.example\r\n"
    "X-Forwarded-Proto: https\r\n"
)


def test_given_spoofed_forwarding_headers_when_http_request_then_service_sees_only_the_proxys(
    proxy: ProxyStack,
) -> None:
    service = SERVICES[0]
    sock = connect(proxy.http_port)
    sock.sendall(
        proxy_v2(ALLOWED_CLIENT, "127.0.0.1", 40000, proxy.http_port)
        + http_request(service.custom_domain, extra_headers=SPOOFED)
    )

    status, _, body = parse_response(read_all(sock))

    assert status == 200
    received = json.loads(body)["headers"]
    assert "forwarded" not in received
    assert received["x-real-ip"] == ALLOWED_CLIENT
    assert received["x-forwarded-for"] == ALLOWED_CLIENT
    assert received["x-forwarded-host"] == service.custom_domain
    assert received["x-forwarded-proto"] == "http"
