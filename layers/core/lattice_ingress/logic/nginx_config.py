"""Render THE NGINX config (templates/nginx.conf.j2) from the published catalog.

Pure: no boto3, no environment. The control plane (render Lambda) and the local data plane
both call `render_nginx_config(routes, options)`; the output is deterministic so an
unchanged catalog gives a byte-identical file (and therefore no upload and no rollout).

Defence in depth: names are validated by the control plane, yet every route key and value
is checked again here, so nothing but a plain lower-case DNS host name can reach the file.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Annotated, Literal

import jinja2
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lattice_ingress.logic.names import host_name_problem

__all__ = [
    "MapHashSizes",
    "ProxyOptions",
    "UnsafeNameError",
    "UnsafeOptionError",
    "compute_map_hash_sizes",
    "render_nginx_config",
    "resolver_valid_seconds",
    "upstream_zone_size",
    "validate_host_name",
]

TEMPLATE_NAME = "nginx.conf.j2"

# File paths end up unquoted in directives: no whitespace, quotes, braces or semicolons.
_SAFE_PATH_RE = re.compile(r"[A-Za-z0-9_./-]+")
_RESOLVER_RE = re.compile(
    r"(?P<v4>[0-9.]+)(?::(?P<p4>[0-9]{1,5}))?"
    r"|\[(?P<v6>[0-9a-fA-F:.]+)\](?::(?P<p6>[0-9]{1,5}))?"
    r"|(?P<bare6>[0-9a-fA-F:.]+)"
)

# nginx's own constants for the hash tables (x86_64 and arm64 builds).
_POINTER_SIZE = 8
_CACHE_LINE = 64
_HASH_MODULUS = 2**64  # ngx_uint_t arithmetic wraps at 64 bits
_MAX_BUCKET_SIZE = 65536 - _CACHE_LINE


class UnsafeNameError(ValueError):
    """A route key or value is not a safe lower-case DNS host name."""


class UnsafeOptionError(ValueError):
    """A render option would produce an unsafe or invalid config."""


def validate_host_name(name: str) -> str:
    """Return `name` if it is a plain lower-case DNS host name, else raise UnsafeNameError.

    Accepted: at least two labels of [a-z0-9-], at most 253 characters, and a last label
    that is not all digits, which rules out IPv4 literals such as 169.254.169.254 (the
    instance metadata service). No wildcards, no trailing dot, no upper case: the map
    keys are compared after nginx lower-cases the client's name, and a value is a name we
    resolve, so anything looser could turn the proxy back into an open relay. The rules
    are the control plane's own (logic/names.py), applied once more at the file's edge.
    """
    problem = host_name_problem(name)
    if problem is not None:
        raise UnsafeNameError(f"not a safe lower-case host name: {name!r} {problem}")
    return name


def _safe_path(value: str | None) -> str | None:
    if value is not None and not _SAFE_PATH_RE.fullmatch(value):
        raise ValueError(f"unsafe path for an nginx directive: {value!r}")
    return value


Port = Annotated[int, Field(ge=1, le=65535)]
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
LogLevel = Literal["debug", "info", "notice", "warn", "error", "crit", "alert", "emerg"]


class ProxyOptions(BaseModel):
    """Everything in the config that is not the catalog (docs/contracts.md).

    Production values come from the template parameters through the render Lambda's
    environment; the local data plane overrides listen address, ports, resolver and paths.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Trusted senders of the PROXY protocol header (the NLB nodes live in these CIDRs).
    vpc_cidrs: list[IpNetwork] = Field(min_length=1)
    # Real client addresses (from the PROXY header) that may connect; empty = nobody.
    allowed_client_cidrs: list[IpNetwork]
    # The VPC resolver (169.254.169.253) or, locally, "127.0.0.1:<port>".
    resolver: str = "169.254.169.253"
    resolver_valid_seconds: int = Field(default=30, ge=1, le=3600)
    resolver_ipv6: bool = False
    # DNS queries per second per task that re-resolving the pooled upstreams may cost;
    # valid= grows with the catalog to stay within it (the VPC resolver allows 1,024
    # packets per second per network interface).
    dns_query_budget_per_second: int = Field(default=50, ge=1, le=500)
    # Idle pooled connections kept per Lattice service and worker. It must cover the
    # requests one worker has in flight to one service: beyond it, each returning
    # connection is closed and the next request opens a new one (16 did that under 32
    # concurrent clients: twice the backend CPU per request; docs/data-plane.md).
    upstream_keepalive: int = Field(default=64, ge=1, le=1024)
    tls_ports: list[Port] = Field(default_factory=lambda: [443], min_length=1)
    http_port: Port | None = 80
    worker_processes: int | Literal["auto"] = "auto"
    worker_connections: int = Field(default=4096, ge=64, le=1_000_000)
    # Debian: /usr/lib/nginx/modules/ngx_stream_module.so. The official nginx image
    # builds stream in statically, so production leaves this empty.
    stream_module_path: str | None = None
    # Local-only overrides. None = nginx's compiled-in default / all addresses.
    listen_address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = None
    error_log: str = "stderr"
    error_log_level: LogLevel = "warn"
    stream_access_log: str = "/dev/stdout"
    http_access_log: str = "/dev/stdout"
    pid_path: str | None = None
    temp_dir: str | None = None

    @field_validator(
        "stream_module_path",
        "error_log",
        "stream_access_log",
        "http_access_log",
        "pid_path",
        "temp_dir",
    )
    @classmethod
    def _check_path(cls, value: str | None) -> str | None:
        return _safe_path(value)

    @field_validator("resolver")
    @classmethod
    def _check_resolver(cls, value: str) -> str:
        # nginx takes `addr`, `addr:port`, `[v6]` or `[v6]:port`; names would need a
        # resolver to find the resolver, so only IP literals are accepted.
        match = _RESOLVER_RE.fullmatch(value)
        if match is None:
            raise ValueError(f"resolver must be an IP address[:port]: {value!r}")
        address = match["v4"] or match["v6"] or match["bare6"]
        port = match["p4"] or match["p6"]
        try:
            ipaddress.ip_address(address)
        except ValueError as exc:
            raise ValueError(f"resolver must be an IP address[:port]: {value!r}") from exc
        if port is not None and not 1 <= int(port) <= 65535:
            raise ValueError(f"invalid resolver port: {value!r}")
        return value

    @field_validator("tls_ports")
    @classmethod
    def _unique_ports(cls, ports: list[int]) -> list[int]:
        if len(set(ports)) != len(ports):
            raise ValueError(f"duplicate TLS port in {ports}")
        return sorted(ports)

    @model_validator(mode="after")
    def _http_port_distinct(self) -> ProxyOptions:
        if self.http_port is not None and self.http_port in self.tls_ports:
            raise ValueError(f"http_port {self.http_port} is also a TLS port")
        return self

    def listen(self, port: int) -> str:
        """The `listen` target for `port`: `port`, `addr:port` or `[v6]:port`."""
        if self.listen_address is None:
            return str(port)
        if self.listen_address.version == 6:
            return f"[{self.listen_address}]:{port}"
        return f"{self.listen_address}:{port}"


@dataclass(frozen=True)
class MapHashSizes:
    """`map_hash_max_size` / `map_hash_bucket_size` that build the map without a warning."""

    max_size: int
    bucket_size: int


def _ngx_hash_key(name: str) -> int:
    """nginx's ngx_hash(): key = key * 31 + byte over the lower-cased name, 64-bit."""
    key = 0
    for byte in name.encode("ascii"):
        key = (key * 31 + byte) % _HASH_MODULUS
    return key


def _ngx_elt_size(name: str) -> int:
    """NGX_HASH_ELT_SIZE: value pointer + u_short length + name, pointer-aligned."""
    return _POINTER_SIZE + ((len(name) + 2 + _POINTER_SIZE - 1) & ~(_POINTER_SIZE - 1))


def _ngx_hash_init_fits(entries: list[tuple[int, int]], max_size: int, bucket_size: int) -> bool:
    """Replay ngx_hash_init()'s size search; True when it finds a table (no warning).

    `entries` are (hash, element size). The search order matters because nginx starts
    near max_size when max_size > 10000 and max_size / nelts < 100.
    """
    usable = bucket_size - _POINTER_SIZE
    nelts = len(entries)
    start = max(nelts // (usable // (2 * _POINTER_SIZE)), 1)
    if max_size > 10000 and nelts and max_size // nelts < 100:
        start = max_size - 1000
    for size in range(start, max_size + 1):
        used = [0] * size
        for key_hash, elt in entries:
            slot = key_hash % size
            length = used[slot] + elt
            if length > usable:
                break
            used[slot] = length
        else:
            return True
    return False


@lru_cache(maxsize=8)  # a warm Lambda re-renders the same catalog cheaply
def _sizes_for(names: tuple[str, ...]) -> MapHashSizes:
    entries = [(_ngx_hash_key(n), _ngx_elt_size(n)) for n in names]
    largest = max((elt for _, elt in entries), default=_ngx_elt_size("x"))
    # Room for two of the longest names per bucket keeps the table small; nginx
    # rounds the bucket size up to a cache line anyway.
    bucket_size = max(64, -(-(2 * largest + _POINTER_SIZE) // _CACHE_LINE) * _CACHE_LINE)
    # Start at ~2 buckets per name (power of two, at least nginx's default 2048) and
    # double until nginx's own search succeeds.
    max_size = 2048
    while max_size < 2 * len(entries):
        max_size *= 2
    while not _ngx_hash_init_fits(entries, max_size, bucket_size):
        if max_size < 4 * 1024 * 1024:
            max_size *= 2
        elif bucket_size < _MAX_BUCKET_SIZE // 2:
            bucket_size *= 2
        else:  # pragma: no cover - needs millions of names
            raise UnsafeOptionError(f"cannot size a map for {len(entries)} names")
    return MapHashSizes(max_size=max_size, bucket_size=bucket_size)


def compute_map_hash_sizes(names: Iterable[str]) -> MapHashSizes:
    """Hash sizes for a `map ... { hostnames; }` over `names`, replaying nginx's search.

    Small catalogs keep nginx's default order of magnitude (2048 / 64-128); 10,000
    custom domains of ~40 characters get 32768 / 128. The result is verified, not
    estimated: the search nginx runs at load time must succeed with these values.
    """
    return _sizes_for(tuple(sorted(set(names))))


def resolver_valid_seconds(upstreams: int, options: ProxyOptions) -> int:
    """valid= for the resolver: ResolverValidSeconds, or longer when re-resolving every
    pooled upstream that often would exceed the DNS query budget (A, and AAAA with ipv6)."""
    queries_per_round = upstreams * (2 if options.resolver_ipv6 else 1)
    needed = -(-queries_per_round // options.dns_query_budget_per_second)
    return max(options.resolver_valid_seconds, needed)


def upstream_zone_size(upstreams: int) -> str:
    """Shared memory for the pooled upstreams' run-time state (peers, resolved addresses).

    Measured on nginx 1.30: a few hundred bytes per upstream; 8 KiB each leaves room for
    services with many addresses. Whole megabytes, at least 1 MiB.
    """
    return f"{max(1, -(-upstreams * 8 // 1024))}m"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("lattice_ingress", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - nginx config, not HTML; every value is validated
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_nginx_config(routes: Mapping[str, str], options: ProxyOptions) -> str:
    """Render nginx.conf for `routes` (custom domain -> upstream DNS name).

    Raises UnsafeNameError if any key or value is not a safe host name. An empty catalog
    still renders a valid config that refuses every connection.
    """
    checked = sorted(
        (validate_host_name(domain), validate_host_name(upstream))
        for domain, upstream in routes.items()
    )
    sizes = compute_map_hash_sizes(domain for domain, _ in checked)
    upstreams = sorted({upstream for _, upstream in checked})
    return (
        _environment()
        .get_template(TEMPLATE_NAME)
        .render(
            routes=checked,
            options=options,
            hash_sizes=sizes,
            upstreams=upstreams,
            upstream_zone=upstream_zone_size(len(upstreams)),
            resolver_valid=resolver_valid_seconds(len(upstreams), options),
            vpc_cidrs=sorted(str(c) for c in options.vpc_cidrs),
            allowed_cidrs=sorted(str(c) for c in options.allowed_client_cidrs),
        )
    )
