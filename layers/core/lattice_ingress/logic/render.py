"""Render the catalog into the NGINX config and fingerprint it for change detection."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from lattice_ingress.models.catalog import Catalog

Renderer = Callable[[Mapping[str, str]], str]

# S3 user metadata keys (x-amz-meta-*) on the config object.
HASH_METADATA_KEY = "sha256"
COUNT_METADATA_KEY = "service-count"


@dataclass(frozen=True)
class RenderedConfig:
    text: str
    sha256: str
    service_count: int

    @property
    def metadata(self) -> dict[str, str]:
        return {HASH_METADATA_KEY: self.sha256, COUNT_METADATA_KEY: str(self.service_count)}


def render_catalog(catalog: Catalog, render: Renderer) -> RenderedConfig:
    """`render` is `render_nginx_config` bound to the ProxyOptions (deterministic output),
    so equal catalogs and options give byte-identical text and the same hash."""
    routes = dict(sorted(catalog.routes().items()))
    text = render(routes)
    return RenderedConfig(
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        service_count=len(routes),
    )
