"""Real NGINX, THE config: the stream access log skips NLB health checks, and only them."""

from __future__ import annotations

import itertools
import json
import socket
import time

import pytest
from dataplane_stack import ALLOWED_CLIENT, DENIED_CLIENT, SERVICES, ProxyStack
from dataplane_wire import (
    client_hello,
    connect,
    http_request,
    proxy_v2,
    proxy_v2_local,
    read_all,
    tls_session_sending_exactly,
)

pytestmark = pytest.mark.dataplane

STREAM_LOG = "stream_access.log"
_ports = itertools.count(50001)  # unique PROXY source ports identify our sessions


def session(proxy: ProxyStack, payload: bytes) -> None:
    """One TCP session; returns once nginx has closed it (and so written its log line)."""
    sock = connect(proxy.tls_port)
    sock.sendall(payload)
    read_all(sock)
    sock.close()


def logged_session(proxy: ProxyStack, source: str, payload: bytes) -> dict | None:
    port = next(_ports)
    session(proxy, proxy_v2(source, "127.0.0.1", port, proxy.tls_port) + payload)
    marker = f'"proxyProtocolPort":"{port}"'
    for line in proxy.wait_for_log(STREAM_LOG, 1):
        if marker in line:
            return json.loads(line)
    return None


def test_given_nlb_health_check_when_session_ends_then_not_logged(proxy: ProxyStack) -> None:
    before = len(proxy.log_lines(STREAM_LOG))
    session(proxy, proxy_v2_local())  # header, no address, no data: what the NLB sends
    # A later, logged session proves the log is up to date when we look.
    marker = logged_session(proxy, ALLOWED_CLIENT, client_hello("unknown.example.com"))

    lines = proxy.log_lines(STREAM_LOG)

    assert marker is not None
    assert len(lines) == before + 1


@pytest.mark.parametrize("size", [1000, 2000])
def test_given_session_whose_byte_count_contains_zero_when_proxied_then_logged_exactly(
    proxy: ProxyStack, size: int
) -> None:
    """The guidance's `"~0"` regex would hide these sessions; an exact test does not."""
    port = next(_ports)
    sock = connect(proxy.tls_port)
    sock.sendall(proxy_v2(ALLOWED_CLIENT, "127.0.0.1", port, proxy.tls_port))
    sent = tls_session_sending_exactly(
        sock, SERVICES[0].custom_domain, str(proxy.ca_path), total=size
    )
    sock.close()
    marker = f'"proxyProtocolPort":"{port}"'
    lines: list[str] = []
    for _ in range(100):  # bounded: nginx logs when it notices the close
        lines = [line for line in proxy.log_lines(STREAM_LOG) if marker in line]
        if lines:
            break
        time.sleep(0.05)

    assert sent == size
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["bytesReceived"] == size
    assert (entry["sni"], entry["client"]) == (SERVICES[0].custom_domain, ALLOWED_CLIENT)


def test_given_refused_sni_with_ten_bytes_when_session_ends_then_logged(
    proxy: ProxyStack,
) -> None:
    entry = logged_session(proxy, ALLOWED_CLIENT, b"0123456789")

    assert entry is not None
    assert entry["upstream"] == "lattice_refused"


def test_given_denied_client_sending_nothing_when_session_ends_then_still_logged(
    proxy: ProxyStack,
) -> None:
    """Zero bytes alone is not a health check: a real client address is always logged."""
    entry = logged_session(proxy, DENIED_CLIENT, b"")

    assert entry is not None
    assert (entry["client"], entry["status"], entry["bytesReceived"]) == (DENIED_CLIENT, 403, 0)


def test_given_nlb_health_check_on_http_port_when_closed_then_no_access_or_error_line(
    proxy: ProxyStack,
) -> None:
    """Health checks on the HTTP listener are silent in both logs (the stream listener's
    allow-list, by contrast, records a denial for the NLB node's own address)."""
    errors_before = sum("[error]" in line for line in proxy.log_lines("error.log"))
    http_before = len(proxy.log_lines("http_access.log"))
    sock = connect(proxy.http_port)
    sock.sendall(proxy_v2_local())
    sock.shutdown(socket.SHUT_WR)
    read_all(sock)
    sock.close()
    # A later request proves the logs are current when we look.
    marker = connect(proxy.http_port)
    marker.sendall(
        proxy_v2(ALLOWED_CLIENT, "127.0.0.1", 1, proxy.http_port)
        + http_request("unknown.example.com")
    )
    read_all(marker)

    http_lines = proxy.wait_for_log("http_access.log", http_before + 1)
    errors_after = sum("[error]" in line for line in proxy.log_lines("error.log"))

    assert len(http_lines) == http_before + 1
    assert "unknown.example.com" in http_lines[-1]
    assert errors_after == errors_before
