"""Route 53 record sets and the per-zone change plan."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class AliasTarget(BaseModel):
    model_config = ConfigDict(frozen=True)

    hosted_zone_id: str
    dns_name: str
    evaluate_target_health: bool = False

    def to_api(self) -> dict[str, object]:
        return {
            "HostedZoneId": self.hosted_zone_id,
            "DNSName": self.dns_name,
            "EvaluateTargetHealth": self.evaluate_target_health,
        }


class RecordSet(BaseModel):
    """A simple-routing record set. Names are lower-case without the trailing dot."""

    model_config = ConfigDict(frozen=True)

    name: str
    type: str
    ttl: int | None = None
    values: tuple[str, ...] = ()
    alias: AliasTarget | None = None

    def same_data(self, other: RecordSet) -> bool:
        """Equal as Route 53 compares them (DNS names case- and trailing-dot-insensitive)."""
        if self.type != other.type or self.ttl != other.ttl:
            return False
        if (self.alias is None) != (other.alias is None):
            return False
        if self.alias is not None and other.alias is not None:
            return (
                _dns(self.alias.dns_name) == _dns(other.alias.dns_name)
                and self.alias.hosted_zone_id == other.alias.hosted_zone_id
            )
        if self.type == "CNAME":
            return [_dns(v) for v in self.values] == [_dns(v) for v in other.values]
        return sorted(self.values) == sorted(other.values)

    def to_api(self) -> dict[str, object]:
        record: dict[str, object] = {"Name": self.name, "Type": self.type}
        if self.alias is not None:
            record["AliasTarget"] = self.alias.to_api()
        else:
            record["TTL"] = self.ttl
            record["ResourceRecords"] = [{"Value": value} for value in self.values]
        return record


def _dns(name: str) -> str:
    return name.rstrip(".").lower()


class ChangeAction(StrEnum):
    CREATE = "CREATE"
    UPSERT = "UPSERT"
    DELETE = "DELETE"


class RecordChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    action: ChangeAction
    record: RecordSet

    def to_api(self) -> dict[str, object]:
        return {"Action": self.action.value, "ResourceRecordSet": self.record.to_api()}


class PlannedAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    CONFLICT = "conflict"
    REJECTED = "rejected"
    UNCHANGED = "unchanged"


class PlanEntry(BaseModel):
    """One name's verdict, as reported to the operator (dry run and execution output)."""

    model_config = ConfigDict(alias_generator=to_camel, frozen=True, populate_by_name=True)

    name: str
    zone: str
    action: PlannedAction
    record_type: str | None = Field(default=None, serialization_alias="type")
    target: str | None = None
    service_id: str | None = None
    reason: str | None = None


class ChangeGroup(BaseModel):
    """The changes for one name (record + ownership TXT). Applied in one batch, so a name
    is never left owned-but-missing or written-but-unowned by a partial apply."""

    model_config = ConfigDict(frozen=True)

    name: str
    changes: tuple[RecordChange, ...]


class ZonePlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    zone: str
    entries: tuple[PlanEntry, ...] = ()
    groups: tuple[ChangeGroup, ...] = ()

    def entries_with(self, action: PlannedAction) -> list[PlanEntry]:
        return [entry for entry in self.entries if entry.action is action]
