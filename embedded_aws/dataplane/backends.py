"""Stand-in VPC Lattice services for the local data plane.

Each service gets its own loopback address (127.0.x.y) and listens there on the proxy's
own TLS and HTTP ports, so NGINX's `proxy_pass <lattice name>:$server_port` works
unchanged once the local resolver maps the Lattice name to that address. Responses name
the service, so a test (or `make demo`) can see who answered.

TLS backends present a certificate for the service's custom domain (and its Lattice
name), signed by a throw-away local CA, so a client can verify the backend end to end
through the TLS-passthrough proxy:

    ca = LocalCertificateAuthority(workdir)
    services = [StandInService("orders", "orders-0a1.7d6.vpc-lattice-svcs.us-east-1.on.aws",
                               "orders.example.com", loopback_address(0))]
    backends = StandInBackends(services, tls_ports=[8443], http_port=8080, ca=ca).start()
    backends.dns_records   # {"orders-0a1....on.aws": "127.0.1.1"} -> LocalResolver
    ca.ca_path             # PEM bundle for curl --cacert / ssl.create_default_context
    backends.stop()
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import json
import socket
import ssl
import tempfile
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "LocalCertificateAuthority",
    "StandInBackends",
    "StandInBackendsError",
    "StandInService",
    "free_port",
    "loopback_address",
]

_POLL_INTERVAL_SECONDS = 0.05  # how fast serve_forever notices shutdown()
_CONNECTION_TIMEOUT_SECONDS = 30  # idle keep-alive connections are dropped after this


class StandInBackendsError(RuntimeError):
    """A stand-in backend could not be started."""


def loopback_address(index: int) -> str:
    """The loopback address of the `index`-th service: 127.0.1.1, 127.0.1.2, ...

    127.0.0.0/24 is left to the proxy and the resolver. Linux routes all of 127/8 to lo,
    so these addresses need no set-up. Room for 254 * 254 services.
    """
    if not 0 <= index < 254 * 254:
        raise ValueError(f"service index out of range: {index}")
    return f"127.0.{1 + index // 254}.{1 + index % 254}"


def free_port(host: str = "127.0.0.1") -> int:
    """An ephemeral TCP port that was free on `host` a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class StandInService:
    """One emulated Lattice service."""

    name: str
    dns_name: str  # the Lattice-generated name the proxy zone points at
    custom_domain: str | None
    address: str  # its own 127.0.x.y

    def __post_init__(self) -> None:
        if not ipaddress.IPv4Address(self.address).is_loopback:
            raise ValueError(f"stand-in backends bind loopback only: {self.address}")

    @property
    def certificate_names(self) -> list[str]:
        return sorted({self.dns_name, *([self.custom_domain] if self.custom_domain else [])})


class LocalCertificateAuthority:
    """A throw-away CA (EC P-256) that issues server certificates for the stand-ins."""

    def __init__(self, directory: Path | str, *, valid_days: int = 7) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._valid = dt.timedelta(days=valid_days)
        self._key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lattice-ingress local CA")])
        now = dt.datetime.now(dt.UTC)
        public_key = self._key.public_key()
        self._cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + self._valid)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        self.ca_path = self.directory / "ca.pem"
        self.ca_path.write_bytes(self._cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, names: Sequence[str], stem: str) -> tuple[Path, Path]:
        """Write `<stem>.crt` / `<stem>.key` for `names` (SANs); return their paths."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        # A CN holds at most 64 characters (Lattice names are longer); SANs are what count.
        common_name = next((n for n in names if len(n) <= 64), stem)
        ca_ski = self._cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(self._cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + self._valid)
            .add_extension(
                x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski.value),
                critical=False,
            )
            .sign(self._key, hashes.SHA256())
        )
        cert_path = self.directory / f"{stem}.crt"
        key_path = self.directory / f"{stem}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        key_path.chmod(0o600)
        return cert_path, key_path


_WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _read_frame(stream: Any) -> tuple[int, bytes] | None:
    """One client frame (opcode, unmasked payload), or None at end of stream."""
    head = stream.read(2)
    if len(head) < 2:
        return None
    opcode, length = head[0] & 0x0F, head[1] & 0x7F
    if length == 126:
        length = int.from_bytes(stream.read(2), "big")
    elif length == 127:
        length = int.from_bytes(stream.read(8), "big")
    mask = stream.read(4) if head[1] & 0x80 else b"\0\0\0\0"
    data = stream.read(length)
    return opcode, bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def _frame(opcode: int, payload: bytes) -> bytes:
    """One unmasked, final server frame."""
    size = len(payload)
    if size < 126:
        header = bytes([0x80 | opcode, size])
    elif size < 65536:
        header = bytes([0x80 | opcode, 126]) + size.to_bytes(2, "big")
    else:
        header = bytes([0x80 | opcode, 127]) + size.to_bytes(8, "big")
    return header + payload


class _ServiceHandler(BaseHTTPRequestHandler):
    """Answers every request with a small JSON document naming the service."""

    protocol_version = "HTTP/1.1"  # keep-alive, like a real Lattice listener
    timeout = _CONNECTION_TIMEOUT_SECONDS
    server: _ServiceServer
    methods: ClassVar[tuple[str, ...]] = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")

    def setup(self) -> None:
        super().setup()
        if isinstance(self.request, ssl.SSLSocket):
            # Handshake here, in the connection's own thread, not in accept().
            self.request.do_handshake()

    def _respond(self) -> None:
        self.server.count_request()
        if self.command == "GET" and self.headers.get("Upgrade", "").lower() == "websocket":
            self._websocket_echo()
            return
        length = int(self.headers.get("Content-Length") or 0)
        body_in = self.rfile.read(length) if length else b""
        service = self.server.service
        document = {
            "service": service.name,
            "dnsName": service.dns_name,
            "customDomain": service.custom_domain,
            "scheme": self.server.scheme,
            "port": self.server.server_address[1],
            "method": self.command,
            "path": self.path,
            "host": self.headers.get("Host"),
            "xForwardedFor": self.headers.get("X-Forwarded-For"),
            # Every header as received (lower-case names; repeated ones joined by ", ").
            "headers": {
                name.lower(): ", ".join(self.headers.get_all(name) or []) for name in self.headers
            },
            "bytesReceived": len(body_in),
        }
        body = (json.dumps(document, sort_keys=True) + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Served-By", service.name)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _respond

    def _websocket_echo(self) -> None:
        """RFC 6455 server side, just enough to echo: the handshake, then every text or
        binary message back (prefixed with the service name), until the client closes."""
        key = self.headers.get("Sec-WebSocket-Key", "")
        # SHA-1 is what RFC 6455 specifies for the handshake, not a security choice here.
        digest = hashlib.sha1((key + _WEBSOCKET_GUID).encode(), usedforsecurity=False).digest()
        accept = base64.b64encode(digest)
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept.decode())
        self.end_headers()
        self.wfile.flush()
        prefix = f"{self.server.service.name}: ".encode()
        while True:
            frame = _read_frame(self.rfile)
            if frame is None:
                break
            opcode, payload = frame
            if opcode == 0x8:  # close: answer with close and stop
                self.wfile.write(_frame(0x8, payload[:2]))
                break
            if opcode == 0x9:  # ping
                self.wfile.write(_frame(0xA, payload))
            elif opcode in (0x1, 0x2):
                self.wfile.write(_frame(opcode, prefix + payload))
            self.wfile.flush()
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request stderr line; nginx's access log is the record."""


class _ServiceServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        service: StandInService,
        port: int,
        tls: ssl.SSLContext | None,
    ) -> None:
        super().__init__((service.address, port), _ServiceHandler)
        self.service = service
        # Connections accepted and requests answered: how a test sees pooling upstream.
        self.connections = 0
        self.requests = 0
        self._counter_lock = threading.Lock()
        self.scheme = "https" if tls else "http"
        if tls is not None:
            self.socket = tls.wrap_socket(
                self.socket, server_side=True, do_handshake_on_connect=False
            )

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Refused handshakes and dropped clients are normal here; stay quiet."""

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._counter_lock:
            self.connections += 1
        super().process_request(request, client_address)

    def count_request(self) -> None:
        with self._counter_lock:
            self.requests += 1


class StandInBackends:
    """One TLS server per TLS port and one plain-HTTP server per service."""

    def __init__(
        self,
        services: Iterable[StandInService],
        *,
        tls_ports: Sequence[int],
        http_port: int | None,
        ca: LocalCertificateAuthority | None = None,
    ) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if ca is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="lattice-standins-")
            ca = LocalCertificateAuthority(self._tmp.name)
        self.ca = ca
        self.tls_ports = list(tls_ports)
        self.http_port = http_port
        self._lock = threading.Lock()
        self._servers: dict[str, list[_ServiceServer]] = {}
        self._services: dict[str, StandInService] = {}
        self._pending = list(services)

    @property
    def ca_path(self) -> Path:
        return self.ca.ca_path

    @property
    def services(self) -> list[StandInService]:
        with self._lock:
            return sorted(self._services.values(), key=lambda s: s.name)

    @property
    def dns_records(self) -> dict[str, str]:
        """Lattice DNS name -> loopback address, for LocalResolver."""
        return {s.dns_name: s.address for s in self.services}

    def start(self) -> StandInBackends:
        try:
            for service in self._pending:
                self.add(service)
        except BaseException:
            self.stop()
            raise
        self._pending = []
        return self

    def add(self, service: StandInService) -> None:
        """Start the servers of one more service (idempotent per service name)."""
        with self._lock:
            if service.name in self._services:
                return
        servers: list[_ServiceServer] = []
        try:
            if self.tls_ports:
                cert, key = self.ca.issue(service.certificate_names, stem=service.name)
                context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                context.load_cert_chain(cert, key)
                servers += [_ServiceServer(service, port, context) for port in self.tls_ports]
            if self.http_port is not None:
                servers.append(_ServiceServer(service, self.http_port, None))
        except OSError as exc:
            for server in servers:  # never started: nothing to shut down
                server.server_close()
            raise StandInBackendsError(f"cannot start stand-in {service.name}: {exc}") from exc
        for server in servers:
            threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": _POLL_INTERVAL_SECONDS},
                name=f"standin-{service.name}-{server.server_address[1]}",
                daemon=True,
            ).start()
        with self._lock:
            self._services[service.name] = service
            self._servers[service.name] = servers

    def counters(self, name: str, scheme: str = "http") -> tuple[int, int]:
        """(connections accepted, requests answered) by service `name` over `scheme`,
        summed over its ports: fewer connections than requests means they were reused."""
        with self._lock:
            servers = [s for s in self._servers.get(name, []) if s.scheme == scheme]
        return sum(s.connections for s in servers), sum(s.requests for s in servers)

    def remove(self, name: str) -> None:
        """Stop the servers of one service (no-op if unknown)."""
        with self._lock:
            self._services.pop(name, None)
            servers = self._servers.pop(name, [])
        _shutdown(servers)

    def stop(self) -> None:
        with self._lock:
            servers = [s for group in self._servers.values() for s in group]
            self._servers.clear()
            self._services.clear()
        _shutdown(servers)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> StandInBackends:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _shutdown(servers: Sequence[_ServiceServer]) -> None:
    # shutdown() blocks until the loop notices; do them in parallel.
    threads = [threading.Thread(target=s.shutdown, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    for server in servers:
        server.server_close()
