"""Config rendering: deterministic text and a content hash that changes with the catalog."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from lattice_ingress.logic.nginx_config import ProxyOptions, render_nginx_config
from lattice_ingress.logic.render import render_catalog
from lattice_ingress.models.catalog import Catalog, PublishedService

OPTIONS = ProxyOptions(vpc_cidrs=["10.0.0.0/16"], allowed_client_cidrs=["0.0.0.0/0"])


def real(routes: Mapping[str, str]) -> str:
    return render_nginx_config(routes, OPTIONS)


def catalog(*domains: str) -> Catalog:
    return Catalog(
        service_network="sn-1",
        services=tuple(
            PublishedService(service_id=f"svc-{i}", domain=d, upstream=f"up-{i}.on.aws")
            for i, d in enumerate(domains)
        ),
    )


def test_given_catalog_when_rendered_then_routes_sorted_and_hash_matches_text() -> None:
    seen: list[list[str]] = []

    def spy(routes: Mapping[str, str]) -> str:
        seen.append(list(routes))
        return "text"

    rendered = render_catalog(catalog("b.example.com", "a.example.com"), spy)

    assert seen == [["a.example.com", "b.example.com"]]
    assert rendered.sha256 == hashlib.sha256(b"text").hexdigest()
    assert rendered.metadata == {"sha256": rendered.sha256, "service-count": "2"}


def test_given_same_catalog_when_rendered_twice_then_identical() -> None:
    first = render_catalog(catalog("a.example.com", "b.example.com"), real)
    second = render_catalog(catalog("a.example.com", "b.example.com"), real)

    assert first == second
    assert "a.example.com" in first.text


def test_given_different_catalog_when_rendered_then_hash_differs() -> None:
    first = render_catalog(catalog("a.example.com"), real)
    second = render_catalog(catalog("a.example.com", "b.example.com"), real)

    assert first.sha256 != second.sha256
    assert second.service_count == 2
