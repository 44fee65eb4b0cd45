"""render_nginx_config and ProxyOptions, pure (no nginx needed)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lattice_ingress.logic.nginx_config import (
    ProxyOptions,
    UnsafeNameError,
    compute_map_hash_sizes,
    render_nginx_config,
    validate_host_name,
)

OPTIONS = ProxyOptions(vpc_cidrs=["10.0.0.0/16"], allowed_client_cidrs=["0.0.0.0/0"])
ROUTES = {
    "payments.example.com": "payments-0b.7d6.vpc-lattice-svcs.us-east-1.on.aws",
    "orders.example.com": "orders-0a.7d6.vpc-lattice-svcs.us-east-1.on.aws",
}


def test_given_same_routes_in_any_order_when_rendered_then_identical_and_sorted() -> None:
    first = render_nginx_config(ROUTES, OPTIONS)
    second = render_nginx_config(dict(reversed(list(ROUTES.items()))), OPTIONS)

    assert first == second
    assert first.index("orders.example.com") < first.index("payments.example.com")


@pytest.mark.parametrize(
    "name",
    [
        "evil.com;\n}",
        "a.example.com b.example.com",
        "*.example.com",
        ".example.com",
        "Orders.example.com",
        "orders.example.com.",
        "169.254.169.254",
        "169.254.170.2",
        "localhost",
        "a..example.com",
        "-a.example.com",
        "a-.example.com",
        "x" * 64 + ".example.com",
        "ex\u00e4mple.com",
        "~^.*$",
        "",
        "default",
        "hostnames",
        '"quoted".com',
        "$host.example.com",
    ],
)
@pytest.mark.parametrize("side", ["key", "value"])
def test_given_unsafe_name_when_rendered_then_unsafe_name_error(name: str, side: str) -> None:
    routes = {name: "up.on.aws"} if side == "key" else {"ok.example.com": name}

    with pytest.raises(UnsafeNameError):
        render_nginx_config(routes, OPTIONS)


@pytest.mark.parametrize(
    "name", ["a.io", "orders.example.com", "x-1.y-2.on.aws", "1password.com", "a" * 63 + ".com"]
)
def test_given_safe_name_when_validated_then_returned(name: str) -> None:
    assert validate_host_name(name) == name


def test_given_options_when_rendered_then_every_option_appears() -> None:
    options = ProxyOptions(
        vpc_cidrs=["10.1.0.0/16", "10.0.0.0/16"],
        allowed_client_cidrs=["198.51.100.0/24"],
        resolver="127.0.0.1:5300",
        resolver_valid_seconds=7,
        tls_ports=[8443, 443],
        http_port=8080,
        listen_address="127.0.0.1",
        worker_connections=2048,
        stream_module_path="/usr/lib/nginx/modules/ngx_stream_module.so",
    )

    text = render_nginx_config(ROUTES, options)

    assert text.startswith("# Generated") and "load_module /usr/lib/nginx/modules/" in text
    assert text.count("resolver 127.0.0.1:5300 valid=7s ipv6=off;") == 2
    assert "listen 127.0.0.1:443 proxy_protocol;" in text
    assert "listen 127.0.0.1:8443 proxy_protocol;" in text
    assert "listen 127.0.0.1:8080 proxy_protocol default_server;" in text
    assert text.count("set_real_ip_from 10.0.0.0/16;") == 2
    assert text.count("allow 198.51.100.0/24;") == 2
    assert text.count("deny all;") == 2
    assert "worker_connections 2048;" in text
    assert "real_ip_header proxy_protocol;" in text


def test_given_defaults_when_rendered_then_production_values() -> None:
    text = render_nginx_config({}, OPTIONS)

    assert "load_module" not in text  # the official image has stream built in
    assert "resolver 169.254.169.253 valid=30s ipv6=off;" in text
    assert "listen 443 proxy_protocol;" in text
    assert "listen 80 proxy_protocol default_server;" in text
    assert "pid " not in text


def test_given_no_http_port_when_rendered_then_no_http_listener() -> None:
    options = OPTIONS.model_copy(update={"http_port": None})

    text = render_nginx_config(ROUTES, options)

    assert "listen 80" not in text
    assert "proxy_pass $lattice_target;" in text


def test_given_ipv6_listen_and_resolver_when_rendered_then_bracketed() -> None:
    options = ProxyOptions(
        vpc_cidrs=["fd00::/8"],
        allowed_client_cidrs=["::/0"],
        listen_address="::1",
        resolver="[fd00::2]:53",
        resolver_ipv6=True,
    )

    text = render_nginx_config({}, options)

    assert "listen [::1]:443 proxy_protocol;" in text
    assert "resolver [fd00::2]:53 valid=30s ipv6=on;" in text


@pytest.mark.parametrize(
    "overrides",
    [
        {"vpc_cidrs": []},
        {"vpc_cidrs": ["10.0.0.0/33"]},
        {"allowed_client_cidrs": ["any"]},
        {"resolver": "dns.example.com"},
        {"resolver": "127.0.0.1:99999"},
        {"resolver": "[fd00::2]:70000"},
        {"resolver": "127.0.0.1 ipv6=on"},
        {"resolver": "10.0.0.256"},
        {"tls_ports": []},
        {"tls_ports": [443, 443]},
        {"tls_ports": [443], "http_port": 443},
        {"http_port": 0},
        {"error_log": "/tmp/x.log; evil"},
        {"stream_module_path": "mod.so\nload_module x"},
        {"unknown_option": 1},
    ],
)
def test_given_invalid_option_when_options_built_then_validation_error(overrides: dict) -> None:
    values = {"vpc_cidrs": ["10.0.0.0/16"], "allowed_client_cidrs": ["0.0.0.0/0"], **overrides}

    with pytest.raises(ValidationError):
        ProxyOptions(**values)


def test_given_small_catalog_when_sizes_computed_then_small_tables() -> None:
    sizes = compute_map_hash_sizes(["orders.example.com", "payments.example.com"])

    assert (sizes.max_size, sizes.bucket_size) == (2048, 128)


def test_given_10000_names_when_sizes_computed_then_tables_grow() -> None:
    names = [f"service-{i:05d}.team.apps.example.com" for i in range(10_000)]

    sizes = compute_map_hash_sizes(names)

    assert sizes.max_size >= 16384
    assert sizes.bucket_size >= 128


def test_given_sizes_when_rendered_then_both_blocks_use_them() -> None:
    text = render_nginx_config(ROUTES, OPTIONS)
    sizes = compute_map_hash_sizes(ROUTES)

    assert text.count(f"map_hash_max_size {sizes.max_size};") == 2
    assert text.count(f"map_hash_bucket_size {sizes.bucket_size};") == 2
