"""Route 53 ChangeResourceRecordSets as strict as AWS's.

moto 5.2.x applies a change batch one change at a time and checks little, so a batch AWS
refuses whole is half applied here. This module replaces the backend's apply with one that
validates every change against a working copy of the zone, in order, and stores the copy
only if every change passed (AWS: "one invalid change rejects the whole batch"):

- names: a label over 63 octets, an empty label or a name over 255 octets (wire form) is a
  FATAL InvalidChangeBatch, as AWS reports it (one message, no brackets);
- a name outside the zone, a CNAME at the apex, a CNAME beside any other type at the same
  name (either order), CREATE of a record set that exists, DELETE of one that does not or
  whose TTL / values / alias differ, deleting the apex SOA or NS: InvalidChangeBatch with
  every message of the batch in brackets, as AWS lists them;
- per request, at most 1,000 ResourceRecord elements and 32,000 characters of values, UPSERT
  counting twice.

Hosted zones hold their SOA and NS records from creation (moto already writes them). The
messages follow AWS's wording; docs/emulator.md says which were seen in AWS output and which
are modelled on them.
"""

from __future__ import annotations

import copy
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.route53 import models as route53_models
from moto.route53.exceptions import InvalidActionValue, Route53ClientError
from moto.route53.responses import Route53

if TYPE_CHECKING:
    from embedded_aws.server import EmbeddedAws

# https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html
MAX_RESOURCE_RECORDS = 1000
MAX_VALUE_CHARACTERS = 32_000
MAX_NAME_OCTETS = 255  # wire form: one length octet per label plus the root label
MAX_LABEL_OCTETS = 63
ACTIONS = ("CREATE", "UPSERT", "DELETE")

_OCTAL_ESCAPE = re.compile(r"\\(\d{3})")
_RECORD_SET: Any = route53_models.RecordSet  # a CloudFormationModel; mypy sees it abstract
_lock = threading.RLock()
_patched = False


class InvalidChangeBatchError(Route53ClientError):
    """AWS's InvalidChangeBatch (HTTP 400); botocore raises it as `InvalidChangeBatch`."""

    def __init__(self, message: str) -> None:
        super().__init__("InvalidChangeBatch", message)


def _listed(messages: list[str]) -> InvalidChangeBatchError:
    """Semantic errors: AWS returns every message of the batch, bracketed, comma-separated."""
    return InvalidChangeBatchError("[" + ", ".join(messages) + "]")


# -- names ----------------------------------------------------------------------------------
def _fqdn(name: str) -> str:
    """As AWS prints names in its messages: with the root dot."""
    return name if name.endswith(".") else name + "."


def _key(name: str) -> str:
    """Names compare case-insensitively, with octal escapes decoded, without the root dot."""
    return _OCTAL_ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), name).rstrip(".").lower()


def name_problem(name: str) -> str | None:
    """The FATAL message AWS gives for a malformed name, or None."""
    text = _key(name)
    labels = text.split(".") if text else []
    for label in labels:
        if not label:
            return (
                f"FATAL problem: DomainLabelEmpty (Domain label is empty) encountered with '{name}'"
            )
        if len(label.encode()) > MAX_LABEL_OCTETS:
            # AWS quotes the label up to the octet that broke the limit.
            shown = label.encode()[: MAX_LABEL_OCTETS + 1].decode(errors="ignore")
            return (
                "FATAL problem: DomainLabelTooLong (Domain label is too long) "
                f"encountered with '{shown}'"
            )
    if sum(len(label.encode()) + 1 for label in labels) + 1 > MAX_NAME_OCTETS:
        return (
            f"FATAL problem: DomainNameTooLong (Domain name is too long) encountered with '{name}'"
        )
    return None


# -- record sets as plain data ----------------------------------------------------------------
def _values(raw: Iterable[Any] | None) -> list[str]:
    """moto stores values as strings or as {"Value": ...} dicts (its SOA); requests send dicts."""
    return [item["Value"] if isinstance(item, dict) else str(item) for item in raw or []]


def _ttl(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


def _alias(alias: dict[str, Any] | None) -> tuple[str, str, bool] | None:
    if not alias:
        return None
    evaluate = str(alias.get("EvaluateTargetHealth", False)).lower() == "true"
    return (str(alias.get("HostedZoneId")), _key(str(alias.get("DNSName", ""))), evaluate)


def _same_data(existing: route53_models.RecordSet, wanted: dict[str, Any]) -> bool:
    """DELETE must name the record set exactly: TTL, values (any order) or alias target."""
    if _alias(existing.alias_target) != _alias(wanted.get("AliasTarget")):
        return False
    if existing.alias_target:
        return True
    return _ttl(existing.ttl) == _ttl(wanted.get("TTL")) and sorted(
        _values(existing.records)
    ) == sorted(_values(wanted.get("ResourceRecords")))


def _identity(record: dict[str, Any] | route53_models.RecordSet) -> tuple[str, str, str | None]:
    if isinstance(record, dict):
        return (_key(record["Name"]), str(record["Type"]), record.get("SetIdentifier"))
    return (_key(record.name), str(record.type), record.set_identifier)


# -- the batch --------------------------------------------------------------------------------
def check_limits(changes: list[dict[str, Any]]) -> None:
    """Per request: ResourceRecord elements and value characters, UPSERT counted twice."""
    elements = characters = 0
    for change in changes:
        values = _values(change["ResourceRecordSet"].get("ResourceRecords"))
        factor = 2 if change.get("Action") == "UPSERT" else 1
        elements += factor * len(values)
        characters += factor * sum(len(value) for value in values)
    if elements > MAX_RESOURCE_RECORDS:
        raise _listed([f"Number of records limit of {MAX_RESOURCE_RECORDS} exceeded."])
    if characters > MAX_VALUE_CHARACTERS:
        raise _listed([f"RDATA character limit of {MAX_VALUE_CHARACTERS} exceeded."])


def plan_batch(
    zone: route53_models.FakeZone, changes: list[dict[str, Any]]
) -> list[route53_models.RecordSet]:
    """The zone's record sets after `changes`, or InvalidChangeBatchError naming every
    change AWS would refuse. Each change sees the zone as the earlier changes left it, so a
    DELETE then CREATE of one name (a CNAME <-> ALIAS switch) passes, as in AWS."""
    for change in changes:
        if change.get("Action") not in ACTIONS:
            raise InvalidActionValue(str(change.get("Action")))
        problem = name_problem(change["ResourceRecordSet"]["Name"])
        if problem is not None:
            raise InvalidChangeBatchError(problem)

    zone_key = _key(zone.name)
    zone_fqdn = _fqdn(zone_key)
    working = _Working(zone.rrsets)
    messages: list[str] = []
    for change in changes:
        record = copy.deepcopy(change["ResourceRecordSet"])
        record["Name"] = _fqdn(record["Name"])
        message = _refusal(working, change["Action"], record, zone_key, zone_fqdn)
        if message is not None:
            messages.append(message)
            continue
        if change["Action"] == "DELETE":
            working.remove(_identity(record))
        else:
            if "ResourceRecords" in record:
                record["ResourceRecords"] = _values(record["ResourceRecords"])
            working.put(_RECORD_SET(record))
    if messages:
        raise _listed(messages)
    return working.record_sets()


class _Working:
    """The zone's record sets, indexed by identity and by name, so a batch of n changes on
    a zone of m records costs O(n + m), not O(n * m) (5,000-service zones are routine)."""

    def __init__(self, record_sets: Iterable[route53_models.RecordSet]) -> None:
        self._by_identity: dict[tuple[str, str, str | None], route53_models.RecordSet] = {}
        self._types_at: dict[str, Counter[str]] = defaultdict(Counter)
        for record_set in record_sets:
            self.put(record_set)

    def get(self, identity: tuple[str, str, str | None]) -> route53_models.RecordSet | None:
        return self._by_identity.get(identity)

    def types_at(self, key: str) -> set[str]:
        return {rtype for rtype, count in self._types_at[key].items() if count > 0}

    def put(self, record_set: route53_models.RecordSet) -> None:
        identity = _identity(record_set)
        if identity not in self._by_identity:
            self._types_at[identity[0]][identity[1]] += 1
        self._by_identity[identity] = record_set  # an UPSERT keeps the record's place

    def remove(self, identity: tuple[str, str, str | None]) -> None:
        if self._by_identity.pop(identity, None) is not None:
            self._types_at[identity[0]][identity[1]] -= 1

    def record_sets(self) -> list[route53_models.RecordSet]:
        return list(self._by_identity.values())


def _refusal(
    working: _Working,
    action: str,
    record: dict[str, Any],
    zone_key: str,
    zone_fqdn: str,
) -> str | None:
    name, rtype = record["Name"], record["Type"]
    key = _key(name)
    if key != zone_key and not key.endswith("." + zone_key):
        return f"RRSet with DNS name {name} is not permitted in zone {zone_fqdn}"
    identity = _identity(record)
    current = working.get(identity)
    if action == "DELETE":
        if current is None:
            return (
                f"Tried to delete resource record set [name='{name}', type='{rtype}'] "
                "but it was not found"
            )
        if not _same_data(current, record):
            return (
                f"Tried to delete resource record set [name='{name}', type='{rtype}'] "
                "but the values provided do not match the current values"
            )
        if key == zone_key and rtype == "SOA":
            return "A HostedZone must contain exactly one SOA record."
        if key == zone_key and rtype == "NS":
            return "A HostedZone must contain at least one NS record for the zone itself."
        return None
    if action == "CREATE" and current is not None:
        return (
            f"Tried to create resource record set [name='{name}', type='{rtype}'] "
            "but it already exists"
        )
    if rtype == "CNAME" and key == zone_key:
        return (
            f"RRSet of type CNAME with DNS name {name} is not permitted at apex in zone {zone_fqdn}"
        )
    others = working.types_at(key) - {rtype}
    if rtype == "CNAME" and others:
        return (
            f"RRSet of type CNAME with DNS name {name} is not permitted as it conflicts "
            f"with other records with the same DNS name in zone {zone_fqdn}"
        )
    if rtype != "CNAME" and "CNAME" in others:
        return (
            f"RRSet of type {rtype} with DNS name {name} is not permitted because a "
            f"conflicting RRSet of type CNAME with the same DNS name already exists in zone "
            f"{zone_fqdn}"
        )
    return None


# -- patches ----------------------------------------------------------------------------------
def _create_hosted_zone(original: Any) -> Any:
    """moto writes the apex SOA with its value as a dict (ListResourceRecordSets then shows
    the dict's repr) and the NS without root dots; store both as AWS lists them."""

    def create_hosted_zone(self: Any, *args: Any, **kwargs: Any) -> route53_models.FakeZone:
        zone: route53_models.FakeZone = original(self, *args, **kwargs)
        for record in zone.rrsets:
            if record.type == "SOA":
                primary = _fqdn(_values(record.records)[0].split()[0])
                record.records = [
                    f"{primary} awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"
                ]
            elif record.type == "NS":
                record.records = [_fqdn(value) for value in _values(record.records)]
            record.ttl = _ttl(record.ttl)
        return zone

    return create_hosted_zone


def _change_resource_record_sets(
    self: route53_models.Route53Backend, zoneid: str, change_list: list[dict[str, Any]]
) -> None:
    zone = self.get_hosted_zone(zoneid)
    check_limits(change_list)
    with _lock:  # one batch at a time per process: validate and store as one step
        zone.rrsets = plan_batch(zone, change_list)
        for change in change_list:
            zone.rr_changes.append(copy.deepcopy(change))


def _respond_change_resource_record_sets(self: Route53) -> ActionResult:
    """moto's own handler counts records with a message of its own; the backend counts now."""
    zoneid = self._get_param("HostedZoneId")
    self.backend.change_resource_record_sets(zoneid, self._get_param("ChangeBatch.Changes"))
    return ActionResult(
        {
            "ChangeInfo": {
                "Id": "/change/C2682N5HXP0BZ4",
                "Status": "INSYNC",
                "SubmittedAt": utcnow(),
            }
        }
    )


def _patch_moto() -> None:
    global _patched
    if _patched:
        return
    backend: Any = route53_models.Route53Backend
    backend.change_resource_record_sets = _change_resource_record_sets
    backend.create_hosted_zone = _create_hosted_zone(backend.create_hosted_zone)
    response: Any = Route53
    response.change_resource_record_sets = _respond_change_resource_record_sets
    _patched = True


def install(embedded: EmbeddedAws) -> None:
    _patch_moto()
