"""The pooled-upstream part of the rendered config: one block per Lattice service, the
DNS query budget that sets valid=, and the headers sent upstream (pure rendering)."""

from __future__ import annotations

import re

from lattice_ingress.logic.nginx_config import (
    ProxyOptions,
    render_nginx_config,
    resolver_valid_seconds,
    upstream_zone_size,
)

OPTIONS = ProxyOptions(vpc_cidrs=["10.0.0.0/16"], allowed_client_cidrs=["0.0.0.0/0"])


def names(count: int) -> dict[str, str]:
    return {
        f"app{i}.example.com": f"svc{i}.abc.vpc-lattice-svcs.us-east-1.on.aws" for i in range(count)
    }


def test_given_domains_sharing_a_service_when_rendered_then_one_pool_per_service() -> None:
    routes = {
        "a.example.com": "svc1.abc.vpc-lattice-svcs.us-east-1.on.aws",
        "b.example.com": "svc1.abc.vpc-lattice-svcs.us-east-1.on.aws",
        "c.example.com": "svc2.abc.vpc-lattice-svcs.us-east-1.on.aws",
    }

    text = render_nginx_config(routes, OPTIONS)

    blocks = re.findall(
        r"upstream (\S+) \{\n\s+zone lattice_upstreams \S+;\n\s+server (\S+) resolve;", text
    )
    assert blocks == [
        (
            "svc1.abc.vpc-lattice-svcs.us-east-1.on.aws",
            "svc1.abc.vpc-lattice-svcs.us-east-1.on.aws:80",
        ),
        (
            "svc2.abc.vpc-lattice-svcs.us-east-1.on.aws",
            "svc2.abc.vpc-lattice-svcs.us-east-1.on.aws:80",
        ),
    ]
    assert "keepalive 64;" in text
    assert "proxy_pass http://$lattice_service;" in text


def test_given_no_http_port_when_rendered_then_no_upstream_blocks() -> None:
    options = OPTIONS.model_copy(update={"http_port": None})

    text = render_nginx_config(names(3), options)

    assert "upstream svc" not in text
    assert "$connection_upgrade" not in text


def test_given_catalog_sizes_when_valid_computed_then_query_rate_within_budget() -> None:
    assert resolver_valid_seconds(10, OPTIONS) == 30  # the configured floor
    assert resolver_valid_seconds(10_000, OPTIONS) == 200  # 10,000 names / 50 per second
    ipv6 = OPTIONS.model_copy(update={"resolver_ipv6": True})
    assert resolver_valid_seconds(10_000, ipv6) == 400  # A and AAAA
    for count in (1, 999, 1_501, 10_000, 40_000):
        assert count / resolver_valid_seconds(count, OPTIONS) <= OPTIONS.dns_query_budget_per_second


def test_given_large_catalog_when_rendered_then_resolver_valid_follows_budget() -> None:
    text = render_nginx_config(names(2_000), OPTIONS)

    assert text.count("valid=40s") == 2  # stream and http resolvers
    assert "zone lattice_upstreams 16m;" in text
    assert upstream_zone_size(0) == "1m"


def test_given_rendered_location_then_client_forwarding_headers_are_replaced() -> None:
    text = render_nginx_config(names(1), OPTIONS)

    for directive in (
        'proxy_set_header Forwarded "";',
        "proxy_set_header X-Real-IP $remote_addr;",
        "proxy_set_header X-Forwarded-For $remote_addr;",
        "proxy_set_header X-Forwarded-Host $host;",
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $connection_upgrade;",
    ):
        assert directive in text
    assert 'proxy_set_header Connection "";' not in text
