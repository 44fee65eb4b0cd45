"""Who owns a published name, decided so that a copied marker proves nothing.

The registry TXT at `_lattice-ingress.<name>` names the owner and carries `sig`, an
HMAC-SHA256 over (owner, name, service, the record data this stack wrote), keyed by a secret
only the stack's DNS writers can read. Anyone allowed to write a TXT can copy the owner id,
but cannot produce a signature for a record they point elsewhere: a name is ours only while
its marker names us AND its signature matches the records the name holds now.

Markers of earlier versions (owner = stack name, no `sig`) are adopted only where the name
already holds exactly what this stack would write; they never justify a change or delete."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from lattice_ingress.logic.dns_records import (
    HERITAGE,
    MANAGED_TYPES,
    RECORD_TTL,
    parse_registry_value,
    registry_name,
)
from lattice_ingress.models.dns import RecordSet

# Hex digits of the HMAC kept in the marker: 128 bits, far beyond guessing, and the TXT
# string stays well under its 255-character limit.
SIGNATURE_HEX = 32


class Verdict(StrEnum):
    OURS = "ours"  # our owner id, and the signature matches the records held now
    ALTERED = "altered"  # our owner id, but the records (or the marker) are not as we wrote
    LEGACY = "legacy"  # an unsigned marker of an earlier version of this stack
    FOREIGN = "foreign"  # another owner, or no readable marker


@dataclass(frozen=True)
class Ownership:
    """This stack's identity in a zone: its owner id (account:Region:stack UUID), the HMAC
    key, and the owner id its earlier versions wrote (the stack name), if any."""

    owner_id: str
    key: bytes
    legacy_owner_id: str | None = None

    def signature(self, name: str, service_id: str, records: Iterable[RecordSet]) -> str:
        message = "\n".join((self.owner_id, name, service_id, canonical(records)))
        digest = hmac.new(self.key, message.encode(), hashlib.sha256).hexdigest()
        return digest[:SIGNATURE_HEX]

    def marker(self, name: str, service_id: str, records: Iterable[RecordSet]) -> RecordSet:
        """The registry TXT vouching for `records` at `name`."""
        signature = self.signature(name, service_id, records)
        value = f'"heritage={HERITAGE},owner={self.owner_id},service={service_id},sig={signature}"'
        return RecordSet(name=registry_name(name), type="TXT", ttl=RECORD_TTL, values=(value,))

    def verdict(self, name: str, marker: RecordSet | None, held: Iterable[RecordSet]) -> Verdict:
        """`held`: every record set at `name` now (only the managed types are signed)."""
        held = list(held)
        for fields in _marker_fields(marker):
            if fields.get("heritage") != HERITAGE:
                continue
            owner = fields.get("owner")
            if owner == self.owner_id:
                expected = self.signature(name, fields.get("service", ""), held)
                if hmac.compare_digest(fields.get("sig", ""), expected):
                    return Verdict.OURS
                return Verdict.ALTERED
            if self.legacy_owner_id and owner == self.legacy_owner_id and "sig" not in fields:
                return Verdict.LEGACY
        return Verdict.FOREIGN

    def claims(self, marker: RecordSet | None) -> bool:
        """The marker names this stack (signed or legacy), whatever the records hold."""
        for fields in _marker_fields(marker):
            if fields.get("heritage") != HERITAGE:
                continue
            owner = fields.get("owner")
            if owner == self.owner_id:
                return True
            if self.legacy_owner_id and owner == self.legacy_owner_id and "sig" not in fields:
                return True
        return False

    def marker_service(self, marker: RecordSet | None) -> str | None:
        for fields in _marker_fields(marker):
            if "service" in fields:
                return fields["service"]
        return None


def canonical(records: Iterable[RecordSet]) -> str:
    """The data of the managed record sets at one name, in a stable order; TTLs and DNS
    name case or trailing dots do not count (Route 53 treats them alike)."""
    parts = []
    for record in sorted((r for r in records if r.type in MANAGED_TYPES), key=lambda r: r.type):
        if record.alias is not None:
            data = f"alias:{record.alias.hosted_zone_id}:{_dns(record.alias.dns_name)}"
        else:
            data = ",".join(sorted(_dns(v) for v in record.values))
        parts.append(f"{record.type}={data}")
    return ";".join(parts)


def _dns(value: str) -> str:
    return value.rstrip(".").lower()


def _marker_fields(marker: RecordSet | None) -> list[dict[str, str]]:
    if marker is None:
        return []
    return [fields for fields in map(parse_registry_value, marker.values) if fields]
