"""Plan one zone's changes: converge owned records to the desired set, touch nothing else.

"Owned" is decided by logic/ownership.py: our owner id AND a signature that matches what the
name holds now. A name that fails either test is reported as a conflict, never changed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from lattice_ingress.logic.dns_records import (
    MANAGED_TYPES,
    REGISTRY_PREFIX,
    DesiredRecord,
    ZoneReject,
    describe_target,
)
from lattice_ingress.logic.ownership import Ownership, Verdict, canonical
from lattice_ingress.models.dns import (
    ChangeAction,
    ChangeGroup,
    PlanEntry,
    PlannedAction,
    RecordChange,
    RecordSet,
    ZonePlan,
)

ALTERED = (
    "the name no longer holds what this stack wrote, or its ownership record was not "
    "written by this stack: left untouched"
)
LEGACY_MISMATCH = (
    "unsigned ownership record of an earlier version, and the name holds something this "
    "stack would not write: not adopted"
)


def plan_zone(
    zone: str,
    ownership: Ownership,
    desired: Sequence[DesiredRecord],
    existing: Iterable[RecordSet],
    rejects: Iterable[ZoneReject] = (),
) -> ZonePlan:
    """Compare the desired records with the zone's current records.

    Ours (verified) and different -> UPSERT; ours and gone from the catalog -> DELETE;
    claimed but not verifiable -> conflict; another owner's or occupied -> conflict; free
    -> CREATE, which Route 53 itself refuses if someone wrote the name since we listed it."""
    by_name: dict[str, list[RecordSet]] = defaultdict(list)
    for record in existing:
        by_name[record.name].append(record)

    entries: list[PlanEntry] = [
        PlanEntry(
            name=r.name,
            zone=zone,
            action=PlannedAction.REJECTED,
            service_id=r.service_id,
            reason=r.reason,
        )
        for r in rejects
    ]
    groups: list[ChangeGroup] = []
    desired_names = {d.name for d in desired}

    for item in sorted(desired, key=lambda d: d.name):
        action, reason, changes = _plan_name(item, by_name, ownership)
        entries.append(
            PlanEntry(
                name=item.name,
                zone=zone,
                action=action,
                record_type="+".join(r.type for r in item.records),
                target=describe_target(item.record),
                service_id=item.service_id,
                reason=reason,
            )
        )
        if changes:
            groups.append(ChangeGroup(name=item.name, changes=tuple(changes)))

    for name in sorted(_claimed_names(by_name, ownership) - desired_names):
        registry = _registry(by_name, name)
        assert registry is not None
        ours = [r for r in by_name.get(name, []) if r.type in MANAGED_TYPES]
        verdict = ownership.verdict(name, registry, ours)
        entry = PlanEntry(
            name=name,
            zone=zone,
            action=PlannedAction.DELETE,
            record_type="+".join(r.type for r in ours) if ours else None,
            target=describe_target(ours[0]) if ours else None,
            service_id=ownership.marker_service(registry),
        )
        if verdict is not Verdict.OURS:
            reason = ALTERED if verdict is Verdict.ALTERED else LEGACY_MISMATCH
            entries.append(
                entry.model_copy(update={"action": PlannedAction.CONFLICT, "reason": reason})
            )
            continue
        changes = [RecordChange(action=ChangeAction.DELETE, record=r) for r in ours]
        changes.append(RecordChange(action=ChangeAction.DELETE, record=registry))
        entries.append(entry)
        groups.append(ChangeGroup(name=name, changes=tuple(changes)))

    return ZonePlan(zone=zone, entries=tuple(entries), groups=tuple(groups))


def _plan_name(
    item: DesiredRecord, by_name: dict[str, list[RecordSet]], ownership: Ownership
) -> tuple[PlannedAction, str | None, list[RecordChange]]:
    name = item.name
    registry = _registry(by_name, name)
    wanted_txt = ownership.marker(name, item.service_id, item.records)
    occupants = by_name.get(name, [])
    if registry is None:
        blocking = _blocking(item, occupants)
        if blocking:
            types = ", ".join(sorted({r.type for r in blocking}))
            return (
                PlannedAction.CONFLICT,
                f"name holds records this stack does not own ({types})",
                [],
            )
        create = [RecordChange(action=ChangeAction.CREATE, record=r) for r in item.records]
        create.append(RecordChange(action=ChangeAction.CREATE, record=wanted_txt))
        return PlannedAction.CREATE, None, create
    if not ownership.claims(registry):
        return PlannedAction.CONFLICT, "name is registered to another owner", []
    held = [r for r in occupants if r.type in MANAGED_TYPES]
    verdict = ownership.verdict(name, registry, held)
    if verdict is Verdict.LEGACY and canonical(held) != canonical(item.records):
        return PlannedAction.CONFLICT, LEGACY_MISMATCH, []
    # ALTERED with nothing left at the name: our records were deleted (drift), and writing
    # a free name is what a CREATE would do anyway. Anything still there is not ours to move.
    if verdict is Verdict.ALTERED and (held or _blocking(item, occupants)):
        return PlannedAction.CONFLICT, ALTERED, []
    foreign = [r for r in occupants if r.type not in MANAGED_TYPES]
    if "CNAME" in item.types and foreign:
        types = ", ".join(sorted({r.type for r in foreign}))
        return (
            PlannedAction.CONFLICT,
            f"a CNAME cannot sit beside the records this stack does not own ({types})",
            [],
        )
    changes = _update_changes(item, wanted_txt, registry, occupants)
    return (PlannedAction.UPDATE if changes else PlannedAction.UNCHANGED), None, changes


def _blocking(item: DesiredRecord, occupants: list[RecordSet]) -> list[RecordSet]:
    """Records that keep a free name from being written. A CNAME shares its name with
    nothing; an ALIAS A/AAAA may sit beside other types (the apex's SOA and NS, an MX), but
    not beside a CNAME or a record of its own type that someone else wrote."""
    if "CNAME" in item.types:
        return list(occupants)
    return [r for r in occupants if r.type == "CNAME" or r.type in item.types]


def _registry(by_name: dict[str, list[RecordSet]], name: str) -> RecordSet | None:
    for record in by_name.get(REGISTRY_PREFIX + name, []):
        if record.type == "TXT":
            return record
    return None


def _claimed_names(by_name: dict[str, list[RecordSet]], ownership: Ownership) -> set[str]:
    """Names whose marker names this stack, verified or not (the caller verifies)."""
    claimed: set[str] = set()
    for name, records in by_name.items():
        if not name.startswith(REGISTRY_PREFIX):
            continue
        if any(r.type == "TXT" and ownership.claims(r) for r in records):
            claimed.add(name.removeprefix(REGISTRY_PREFIX))
    return claimed


def _update_changes(
    item: DesiredRecord, wanted_txt: RecordSet, registry: RecordSet, current: list[RecordSet]
) -> list[RecordChange]:
    """Types no longer wanted go first (a CNAME <-> ALIAS switch, or an AAAA when the NLB
    is no longer dualstack), in the same batch; then the wanted sets that differ."""
    changes = [
        RecordChange(action=ChangeAction.DELETE, record=r)
        for r in current
        if r.type in MANAGED_TYPES and r.type not in item.types
    ]
    for wanted in item.records:
        same = [r for r in current if r.type == wanted.type]
        if not (same and same[0].same_data(wanted)):
            changes.append(RecordChange(action=ChangeAction.UPSERT, record=wanted))
    if not registry.same_data(wanted_txt):
        changes.append(RecordChange(action=ChangeAction.UPSERT, record=wanted_txt))
    return changes
