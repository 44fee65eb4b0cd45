"""Read the routes back out of a rendered nginx.conf (what a proxy running it forwards).

The inverse of the catalog map in templates/nginx.conf.j2: every `map <source>
$lattice_service { hostnames; default ""; <domain> <upstream>; ... }` block. The admin CLI
compares these with the routes the current catalog renders to (plan, explain)."""

from __future__ import annotations

import re

_MAP_BLOCK = re.compile(r"map \S+ \$lattice_service \{\n(?P<body>.*?)\n\s*\}", re.DOTALL)
_ENTRY = re.compile(r"^\s*(?P<domain>[a-z0-9.*-]+)\s+(?P<upstream>[A-Za-z0-9.-]+);$")


def routes_in_config(text: str) -> dict[str, str]:
    """Published domain -> upstream, from the first catalog map (every map holds the same
    routes: the TLS and the HTTP block are rendered from one list)."""
    block = _MAP_BLOCK.search(text)
    if block is None:
        return {}
    routes: dict[str, str] = {}
    for line in block.group("body").splitlines():
        entry = _ENTRY.match(line)
        if entry:
            routes[entry.group("domain")] = entry.group("upstream")
    return routes
