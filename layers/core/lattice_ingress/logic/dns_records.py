"""Desired record sets for each zone, and the TXT ownership registry format.

Ownership follows ExternalDNS: a TXT record at a prefixed name per owned name, because a
CNAME cannot share its name with any other record."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from lattice_ingress.logic.names import is_apex
from lattice_ingress.models.catalog import PublishedService
from lattice_ingress.models.dns import AliasTarget, RecordSet

REGISTRY_PREFIX = "_lattice-ingress."
HERITAGE = "lattice-ingress"
RECORD_TTL = 300
# Record types this stack writes at a published name (an ALIAS is an A record, with an AAAA
# companion when the target answers IPv6).
MANAGED_TYPES = frozenset({"CNAME", "A", "AAAA"})


class RecordMode(StrEnum):
    CNAME = "CNAME"
    ALIAS = "ALIAS"


@dataclass(frozen=True)
class DesiredRecord:
    """One name's record sets: a CNAME, or an ALIAS A (+ AAAA), written and removed together."""

    service_id: str
    records: tuple[RecordSet, ...]

    @property
    def name(self) -> str:
        return self.records[0].name

    @property
    def record(self) -> RecordSet:
        """The primary record set (the CNAME, or the ALIAS A)."""
        return self.records[0]

    @property
    def types(self) -> frozenset[str]:
        return frozenset(record.type for record in self.records)


@dataclass(frozen=True)
class ZoneReject:
    service_id: str
    name: str
    reason: str


def registry_name(name: str) -> str:
    return REGISTRY_PREFIX + name


def registry_value(owner_id: str, service_id: str) -> str:
    return f'"heritage={HERITAGE},owner={owner_id},service={service_id}"'


def parse_registry_value(value: str) -> dict[str, str]:
    """`"heritage=...,owner=...,service=..."` -> dict; anything unparseable -> {}."""
    text = value.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    fields: dict[str, str] = {}
    for part in text.split(","):
        key, sep, val = part.partition("=")
        if not sep:
            return {}
        fields[key.strip()] = val.strip()
    return fields


def registry_record(name: str, owner_id: str, service_id: str) -> RecordSet:
    return RecordSet(
        name=registry_name(name),
        type="TXT",
        ttl=RECORD_TTL,
        values=(registry_value(owner_id, service_id),),
    )


def consumer_records(
    services: Iterable[PublishedService],
    zone_name: str,
    target_dns: str,
    target_zone_id: str | None,
    mode: RecordMode,
    dualstack: bool = False,
) -> tuple[list[DesiredRecord], list[ZoneReject]]:
    """Consumer zone: custom domain -> the chosen NLB (CNAME, or ALIAS A; ALIAS at the apex).
    A dualstack NLB has IPv6 addresses, so its ALIAS gets an AAAA beside the A."""
    return _records(
        services,
        zone_name,
        mode,
        lambda _service: (target_dns, target_zone_id),
        "zone apex needs an ALIAS target, but CONSUMER_TARGET_ZONE_ID is empty",
        dualstack,
    )


def proxy_records(
    services: Iterable[PublishedService], zone_name: str, mode: RecordMode
) -> tuple[list[DesiredRecord], list[ZoneReject]]:
    """Proxy zone: custom domain -> the Lattice (or endpoint) name the proxies forward to.

    An ALIAS here always has its AAAA companion: an alias answers only what its target
    answers, so A + AAAA resolve exactly like the CNAME they replace (at the apex, or in
    ALIAS mode), whichever address families the Lattice name has."""
    return _records(
        services,
        zone_name,
        mode,
        lambda service: (service.upstream, service.upstream_zone_id),
        "ALIAS needs the upstream's hosted zone id, which Lattice did not return",
        True,
    )


def _records(
    services: Iterable[PublishedService],
    zone_name: str,
    mode: RecordMode,
    target_of: Callable[[PublishedService], tuple[str, str | None]],
    missing_zone_id: str,
    dualstack: bool,
) -> tuple[list[DesiredRecord], list[ZoneReject]]:
    """One record per service; a service that needs an ALIAS without a zone id is rejected
    (for this zone only) instead of failing the whole batch."""
    desired: list[DesiredRecord] = []
    rejects: list[ZoneReject] = []
    for service in services:
        target, target_zone_id = target_of(service)
        records = _record_sets(service.domain, zone_name, target, target_zone_id, mode, dualstack)
        if not records:
            rejects.append(ZoneReject(service.service_id, service.domain, missing_zone_id))
        else:
            desired.append(DesiredRecord(service.service_id, records))
    return desired, rejects


def _record_sets(
    name: str,
    zone_name: str,
    target: str,
    target_zone_id: str | None,
    mode: RecordMode,
    dualstack: bool,
) -> tuple[RecordSet, ...]:
    """A CNAME; or, in ALIAS mode and always at the apex (where a CNAME cannot exist beside
    the SOA and NS), an ALIAS A plus an AAAA when dualstack. Empty: no ALIAS possible."""
    if mode is RecordMode.ALIAS or is_apex(name, zone_name):
        if not target_zone_id:
            return ()
        alias = AliasTarget(hosted_zone_id=target_zone_id, dns_name=target.lower())
        types = ("A", "AAAA") if dualstack else ("A",)
        return tuple(RecordSet(name=name, type=t, alias=alias) for t in types)
    return (RecordSet(name=name, type="CNAME", ttl=RECORD_TTL, values=(target.lower(),)),)


def describe_target(record: RecordSet) -> str:
    if record.alias is not None:
        return f"ALIAS {record.alias.dns_name} ({record.alias.hosted_zone_id})"
    return ",".join(record.values)
