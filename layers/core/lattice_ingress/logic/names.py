"""Custom domain validation. The Lattice API accepts any 3-255 character string as a custom
domain, so every name is checked here before it can reach Route 53 (one bad change rejects
a whole batch) or the NGINX config (where it would be interpolated into a file)."""

from __future__ import annotations

import re

MAX_NAME_LENGTH = 253
MAX_LABEL_LENGTH = 63
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")


def host_name_problem(name: object) -> str | None:
    """Why `name` is not a lower-case RFC 1123 host name fit to publish, or None if it is.

    Stricter than DNS on purpose: no trailing dot, no wildcard or underscore, at least two
    labels, and a non-numeric top-level label (so IPv4 literals are refused)."""
    if not isinstance(name, str) or not name:
        return "is empty"
    if not name.isascii():
        return "contains non-ASCII characters (use the xn-- form)"
    if len(name) > MAX_NAME_LENGTH:
        return f"is longer than {MAX_NAME_LENGTH} characters"
    if name != name.lower():
        return "is not lower-case"
    if name.endswith("."):
        return "ends with a dot"
    labels = name.split(".")
    if len(labels) < 2:
        return "is a single label"
    for label in labels:
        if not label:
            return "has an empty label"
        if len(label) > MAX_LABEL_LENGTH:
            return f"has a label longer than {MAX_LABEL_LENGTH} characters"
        if not _LABEL.fullmatch(label):
            return (
                f"has an invalid label {label!r} (letters, digits and inner hyphens only)"
                if label.isprintable()
                else "has a label with control characters"
            )
    if labels[-1].isdigit():
        return "has an all-numeric top-level label (IP literal)"
    return None


def normalise_zone_name(zone_name: str) -> str:
    """Route 53 returns `example.com.`; we compare without the root dot, lower-case."""
    return zone_name.rstrip(".").lower()


def in_zone(name: str, zone_name: str) -> bool:
    """True when `name` is the zone apex or below it (label boundary, not string suffix)."""
    zone = normalise_zone_name(zone_name)
    return name == zone or name.endswith("." + zone)


def is_apex(name: str, zone_name: str) -> bool:
    return name == normalise_zone_name(zone_name)


# Every name Lattice generates for a service ends in vpc-lattice-svcs.<region>.on.aws
# (a service's own: <name>-<id>.<hex>.vpc-lattice-svcs...; a service-network endpoint's
# per-service name has more labels before the suffix).
_LATTICE_NAME = re.compile(r"([a-z0-9-]+\.)+vpc-lattice-svcs\.[a-z]{2}(-[a-z]+)+-[0-9]\.on\.aws")


def lattice_name_problem(name: str) -> str | None:
    """Why `name` is not a Lattice-generated DNS name, or None if it is. Only such names
    reach the config as upstreams: a crafted target can never point the proxy elsewhere."""
    problem = host_name_problem(name)
    if problem is not None:
        return problem
    if not _LATTICE_NAME.fullmatch(name):
        return "is not a VPC Lattice DNS name (...vpc-lattice-svcs.<region>.on.aws)"
    return None
