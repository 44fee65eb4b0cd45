"""Client-side wire helpers for the data-plane tests: PROXY protocol headers, a raw TLS
ClientHello (to send any SNI, even an IP literal), and small socket clients."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import struct

PROXY_V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
IO_TIMEOUT_SECONDS = 10


def proxy_v1(source: str, destination: str, source_port: int, destination_port: int) -> bytes:
    """A PROXY protocol v1 line (what curl --haproxy-protocol sends)."""
    family = "TCP6" if ipaddress.ip_address(source).version == 6 else "TCP4"
    return f"PROXY {family} {source} {destination} {source_port} {destination_port}\r\n".encode()


def proxy_v2(source: str, destination: str, source_port: int, destination_port: int) -> bytes:
    """A binary PROXY protocol v2 header, command PROXY, TCP over IPv4 or IPv6 (the family
    of `source`; what the NLB sends, dualstack included)."""
    client = ipaddress.ip_address(source)
    target = ipaddress.ip_address(destination)
    if client.version != target.version:
        target = ipaddress.IPv6Address("::1") if client.version == 6 else target
    addresses = client.packed + target.packed + struct.pack("!HH", source_port, destination_port)
    family = 0x21 if client.version == 6 else 0x11  # AF_INET6 / AF_INET, STREAM
    return (
        PROXY_V2_SIGNATURE + bytes([0x21, family]) + struct.pack("!H", len(addresses)) + addresses
    )


def client_hello(server_name: str | None, total_size: int | None = None) -> bytes:
    """A minimal TLS ClientHello record carrying `server_name` verbatim as SNI.

    With `total_size`, a padding extension (RFC 7685) makes the record exactly that many
    bytes, so a test knows what nginx's $bytes_received must be.
    """
    extensions = b""
    if server_name is not None:
        name = server_name.encode()
        entry = b"\x00" + struct.pack("!H", len(name)) + name
        server_name_list = struct.pack("!H", len(entry)) + entry
        extensions += b"\x00\x00" + struct.pack("!H", len(server_name_list)) + server_name_list
    if total_size is not None:
        unpadded = len(client_hello(server_name))
        pad = total_size - unpadded - 4  # 4 = extension type + length
        if pad < 0:
            raise ValueError(f"a ClientHello for {server_name!r} needs {unpadded + 4} bytes")
        extensions += b"\x00\x15" + struct.pack("!H", pad) + bytes(pad)
    body = (
        b"\x03\x03"
        + bytes(32)  # random
        + b"\x00"  # session id
        + b"\x00\x04\x13\x01\xc0\x2f"  # cipher suites
        + b"\x01\x00"  # compression: null
        + struct.pack("!H", len(extensions))
        + extensions
    )
    handshake = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(handshake)) + handshake


def proxy_v2_local() -> bytes:
    """A PROXY v2 LOCAL header: what an NLB health check sends (no client address)."""
    return PROXY_V2_SIGNATURE + bytes([0x20, 0x00]) + struct.pack("!H", 0)


def connect(port: int, host: str = "127.0.0.1") -> socket.socket:
    sock = socket.create_connection((host, port), timeout=IO_TIMEOUT_SECONDS)
    sock.settimeout(IO_TIMEOUT_SECONDS)
    return sock


def read_all(sock: socket.socket | ssl.SSLSocket, limit: int = 1 << 20) -> bytes:
    """Read until the peer closes (or a reset), at most `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, ssl.SSLEOFError):
            break
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def http_request(host: str, path: str = "/", extra_headers: str = "") -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra_headers}Connection: close\r\n\r\n"
    ).encode()


def parse_response(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """(status, lower-cased headers, body) of a Connection: close HTTP/1.1 response."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    return status, headers, body


TLS13_RECORD_OVERHEAD = 5 + 1 + 16  # header + inner content type + AEAD tag


def tls_session_sending_exactly(
    sock: socket.socket, server_name: str, cafile: str, total: int
) -> int:
    """Complete a verified TLS 1.3 handshake over `sock`, then send application data so
    that everything the client sends (after the PROXY header) is exactly `total` bytes.

    On nginx 1.30 the stream $bytes_received counts every client byte after the PROXY
    header, the ClientHello that ssl_preread read included; this makes it known in advance.
    Returns the byte count actually sent.
    """
    context = ssl.create_default_context(cafile=cafile)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname=server_name)
    flights: list[bytes] = []
    for _ in range(20):  # a TLS 1.3 handshake needs two round trips
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            pass
        if pending := outgoing.read():
            sock.sendall(pending)
            flights.append(pending)
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("peer closed during the TLS handshake")
        incoming.write(chunk)
    else:
        raise ConnectionError("TLS handshake did not complete")
    if pending := outgoing.read():
        sock.sendall(pending)
        flights.append(pending)
    sent = sum(len(f) for f in flights)
    padding = total - sent - TLS13_RECORD_OVERHEAD
    if padding < 1:
        raise ValueError(f"cannot send exactly {total} bytes (already {sent})")
    tls.write(b"x" * padding)
    record = outgoing.read()
    sock.sendall(record)
    return sent + len(record)
