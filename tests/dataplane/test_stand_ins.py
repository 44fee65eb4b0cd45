"""The local stand-ins on their own: the resolver and the backends (no nginx needed)."""

from __future__ import annotations

import json
import socket
import ssl
import struct

import pytest
from dataplane_stack import start_stand_ins
from dnslib import RCODE, DNSRecord

from embedded_aws.dataplane.backends import (
    StandInService,
    loopback_address,
)
from embedded_aws.dataplane.dns import LocalResolver

NAME = "orders-0a1.7d6.vpc-lattice-svcs.us-east-1.on.aws"


@pytest.fixture
def resolver():
    with LocalResolver({NAME: "127.0.9.1"}) as server:
        yield server


def test_given_known_name_when_queried_then_its_loopback_address(resolver) -> None:
    reply = resolver.lookup(NAME)

    assert [str(rr.rdata) for rr in reply.rr] == ["127.0.9.1"]


def test_given_unknown_name_when_queried_then_nxdomain_and_recorded(resolver) -> None:
    reply = resolver.lookup("169.254.169.254.example.com")

    assert reply.header.rcode == RCODE.NXDOMAIN
    assert resolver.queries == [("169.254.169.254.example.com", "A")]


def test_given_known_name_when_aaaa_queried_then_no_answer_but_no_error(resolver) -> None:
    reply = resolver.lookup(NAME, "AAAA")

    assert (reply.header.rcode, reply.rr) == (RCODE.NOERROR, [])


def test_given_tcp_query_when_sent_on_same_port_then_answered(resolver) -> None:
    packet = DNSRecord.question(NAME).pack()
    with socket.create_connection(("127.0.0.1", resolver.port), timeout=5) as sock:
        sock.sendall(struct.pack("!H", len(packet)) + packet)
        length = struct.unpack("!H", sock.recv(2))[0]
        data = b""
        while len(data) < length:
            data += sock.recv(length - len(data))

    assert [str(rr.rdata) for rr in DNSRecord.parse(data).rr] == ["127.0.9.1"]


def test_given_new_records_when_replaced_then_old_name_gone(resolver) -> None:
    resolver.set_records({"new.on.aws": "127.0.9.2"})

    assert resolver.lookup(NAME).header.rcode == RCODE.NXDOMAIN
    assert str(resolver.lookup("new.on.aws").rr[0].rdata) == "127.0.9.2"


@pytest.fixture
def backends():
    service = StandInService("orders", NAME, "orders.example.com", loopback_address(500))
    running = start_stand_ins([service], tls_port_count=1, ca=None)
    try:
        yield running
    finally:
        running.stop()


def test_given_tls_backend_when_client_verifies_custom_domain_then_service_named(backends) -> None:
    service = backends.services[0]
    context = ssl.create_default_context(cafile=str(backends.ca_path))
    raw = socket.create_connection((service.address, backends.tls_ports[0]), timeout=5)
    with context.wrap_socket(raw, server_hostname="orders.example.com") as tls:
        tls.sendall(b"GET /x HTTP/1.1\r\nHost: orders.example.com\r\nConnection: close\r\n\r\n")
        response = b""
        while chunk := tls.recv(65536):
            response += chunk

    body = json.loads(response.partition(b"\r\n\r\n")[2])
    assert (body["service"], body["scheme"], body["path"]) == ("orders", "https", "/x")


def test_given_tls_backend_when_client_expects_other_name_then_verification_fails(
    backends,
) -> None:
    service = backends.services[0]
    context = ssl.create_default_context(cafile=str(backends.ca_path))
    raw = socket.create_connection((service.address, backends.tls_ports[0]), timeout=5)

    with pytest.raises(ssl.SSLCertVerificationError):
        context.wrap_socket(raw, server_hostname="payments.example.com")
    raw.close()


def test_given_backends_when_listed_then_dns_records_map_lattice_names(backends) -> None:
    assert backends.dns_records == {NAME: "127.0.2.247"}


def test_given_removed_service_when_connecting_then_refused(backends) -> None:
    service = backends.services[0]

    backends.remove("orders")

    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((service.address, backends.http_port), timeout=5)


def test_given_non_loopback_address_when_service_defined_then_rejected() -> None:
    with pytest.raises(ValueError, match="loopback"):
        StandInService("x", NAME, None, "10.0.0.1")
