"""DNS plan for one zone: create, update, delete, no-op, conflicts, apex ALIAS."""

from __future__ import annotations

from lattice_ingress.logic.dns_plan import plan_zone
from lattice_ingress.logic.dns_records import (
    DesiredRecord,
    RecordMode,
    consumer_records,
    parse_registry_value,
    proxy_records,
    registry_record,
)
from lattice_ingress.logic.ownership import Ownership
from lattice_ingress.models.catalog import PublishedService
from lattice_ingress.models.dns import (
    AliasTarget,
    ChangeAction,
    PlannedAction,
    RecordSet,
    ZonePlan,
)

OWNER = Ownership(
    "123456789012:us-east-1:6f1c2a9e-4b7d-4e0a-9c3b-2d5e8f7a1b40",
    b"key-of-stack-a",
    legacy_owner_id="stack-a",
)
NLB = "ext-nlb-123.elb.us-east-1.amazonaws.com"
NLB_ZONE = "Z26RNL4JYFTOTI"
ZONE = "example.com"


def service(domain: str, service_id: str = "svc-1") -> PublishedService:
    return PublishedService(
        service_id=service_id,
        domain=domain,
        upstream=f"{service_id}.vpc-lattice-svcs.us-east-1.on.aws",
        upstream_zone_id="ZLATTICE",
    )


def cname(name: str, target: str) -> RecordSet:
    return RecordSet(name=name, type="CNAME", ttl=300, values=(target,))


def signed(name: str, service_id: str, *held: RecordSet) -> RecordSet:
    """The marker this stack wrote for `held` at `name`."""
    return OWNER.marker(name, service_id, held)


def desired_consumer(*services: PublishedService) -> list[DesiredRecord]:
    desired, rejects = consumer_records(services, ZONE, NLB, NLB_ZONE, RecordMode.CNAME)
    assert rejects == []
    return desired


def actions(plan: ZonePlan) -> dict[str, PlannedAction]:
    return {entry.name: entry.action for entry in plan.entries}


def api_changes(plan: ZonePlan) -> list[tuple[str, str, str]]:
    return [
        (change.action.value, change.record.type, change.record.name)
        for group in plan.groups
        for change in group.changes
    ]


def test_given_empty_zone_when_planned_then_record_and_registry_created() -> None:
    plan = plan_zone("consumer", OWNER, desired_consumer(service("orders.example.com")), [])

    assert actions(plan) == {"orders.example.com": PlannedAction.CREATE}
    assert api_changes(plan) == [
        ("CREATE", "CNAME", "orders.example.com"),
        ("CREATE", "TXT", "_lattice-ingress.orders.example.com"),
    ]
    txt = plan.groups[0].changes[1].record.values[0]
    assert parse_registry_value(txt) == {
        "heritage": "lattice-ingress",
        "owner": OWNER.owner_id,
        "service": "svc-1",
        "sig": OWNER.signature("orders.example.com", "svc-1", [cname("orders.example.com", NLB)]),
    }


def test_given_owned_matching_records_when_planned_then_nothing_to_do() -> None:
    existing = [
        cname("orders.example.com", NLB + "."),
        signed("orders.example.com", "svc-1", cname("orders.example.com", NLB)),
    ]

    plan = plan_zone("consumer", OWNER, desired_consumer(service("orders.example.com")), existing)

    assert actions(plan) == {"orders.example.com": PlannedAction.UNCHANGED}
    assert plan.groups == ()


def test_given_owned_record_with_old_target_when_planned_then_upserted() -> None:
    existing = [
        cname("orders.example.com", "old-nlb.elb.amazonaws.com"),
        signed(
            "orders.example.com", "svc-1", cname("orders.example.com", "old-nlb.elb.amazonaws.com")
        ),
    ]

    plan = plan_zone("consumer", OWNER, desired_consumer(service("orders.example.com")), existing)

    assert actions(plan) == {"orders.example.com": PlannedAction.UPDATE}
    assert api_changes(plan) == [
        ("UPSERT", "CNAME", "orders.example.com"),
        ("UPSERT", "TXT", "_lattice-ingress.orders.example.com"),  # re-signed for the new value
    ]


def test_given_owned_name_whose_record_was_deleted_when_planned_then_repaired() -> None:
    existing = [signed("orders.example.com", "svc-1", cname("orders.example.com", NLB))]

    plan = plan_zone("consumer", OWNER, desired_consumer(service("orders.example.com")), existing)

    assert api_changes(plan) == [("UPSERT", "CNAME", "orders.example.com")]


def test_given_owned_name_not_in_catalog_when_planned_then_exactly_owned_records_deleted() -> None:
    existing = [
        cname("gone.example.com", NLB),
        signed("gone.example.com", "svc-9", cname("gone.example.com", NLB)),
        cname("foreign.example.com", "elsewhere.example.net"),
    ]

    plan = plan_zone("consumer", OWNER, [], existing)

    assert actions(plan) == {"gone.example.com": PlannedAction.DELETE}
    assert api_changes(plan) == [
        ("DELETE", "CNAME", "gone.example.com"),
        ("DELETE", "TXT", "_lattice-ingress.gone.example.com"),
    ]
    assert plan.entries[0].service_id == "svc-9"


def test_given_foreign_record_at_name_when_planned_then_conflict_and_untouched() -> None:
    existing = [cname("orders.example.com", "somewhere.example.net")]

    plan = plan_zone(
        "consumer",
        OWNER,
        desired_consumer(service("orders.example.com"), service("ok.example.com", "svc-2")),
        existing,
    )

    assert actions(plan) == {
        "orders.example.com": PlannedAction.CONFLICT,
        "ok.example.com": PlannedAction.CREATE,
    }
    assert all(name != "orders.example.com" for _, _, name in api_changes(plan))
    conflict = plan.entries_with(PlannedAction.CONFLICT)[0]
    assert conflict.reason is not None and "CNAME" in conflict.reason


def test_given_name_registered_to_another_owner_when_planned_then_conflict() -> None:
    existing = [
        cname("orders.example.com", NLB),
        registry_record("orders.example.com", "stack-b", "svc-1"),
    ]

    plan = plan_zone("consumer", OWNER, desired_consumer(service("orders.example.com")), existing)

    assert actions(plan) == {"orders.example.com": PlannedAction.CONFLICT}
    assert plan.groups == ()


def test_given_other_owners_name_missing_from_catalog_when_planned_then_not_deleted() -> None:
    existing = [
        cname("theirs.example.com", NLB),
        registry_record("theirs.example.com", "stack-b", "svc-1"),
    ]

    plan = plan_zone("consumer", OWNER, [], existing)

    assert plan.entries == () and plan.groups == ()


def test_given_forged_registry_text_when_planned_then_not_treated_as_owned() -> None:
    forged = RecordSet(
        name="_lattice-ingress.orders.example.com",
        type="TXT",
        ttl=300,
        values=('"owner=stack-a"',),
    )

    plan = plan_zone("consumer", OWNER, [], [cname("orders.example.com", NLB), forged])

    assert plan.groups == ()


def test_given_zone_apex_in_cname_mode_when_planned_then_alias_is_used() -> None:
    desired = desired_consumer(service("example.com"))

    plan = plan_zone("consumer", OWNER, desired, [])

    record = plan.groups[0].changes[0].record
    assert record.type == "A"
    assert record.alias == AliasTarget(hosted_zone_id=NLB_ZONE, dns_name=NLB)


def test_given_apex_without_target_zone_id_when_planned_then_rejected_for_zone() -> None:
    desired, rejects = consumer_records([service("example.com")], ZONE, NLB, None, RecordMode.CNAME)

    plan = plan_zone("consumer", OWNER, desired, [], rejects)

    assert actions(plan) == {"example.com": PlannedAction.REJECTED}
    assert plan.groups == ()


def test_given_alias_mode_without_upstream_zone_id_when_planned_then_rejected_for_proxy_zone() -> (
    None
):
    unknown_zone = service("orders.example.com").model_copy(update={"upstream_zone_id": None})
    good = service("pay.example.com", "svc-2")

    desired, rejects = proxy_records([unknown_zone, good], ZONE, RecordMode.ALIAS)
    plan = plan_zone("proxy", OWNER, desired, [], rejects)

    assert actions(plan) == {
        "orders.example.com": PlannedAction.REJECTED,
        "pay.example.com": PlannedAction.CREATE,
    }
    assert [r.reason for r in rejects] == [
        "ALIAS needs the upstream's hosted zone id, which Lattice did not return"
    ]


def test_given_alias_mode_when_switching_from_cname_then_old_type_deleted_first() -> None:
    desired, _ = consumer_records(
        [service("orders.example.com")], ZONE, NLB, NLB_ZONE, RecordMode.ALIAS
    )
    existing = [
        cname("orders.example.com", NLB),
        signed("orders.example.com", "svc-1", cname("orders.example.com", NLB)),
    ]

    plan = plan_zone("consumer", OWNER, desired, existing)

    assert api_changes(plan) == [
        ("DELETE", "CNAME", "orders.example.com"),
        ("UPSERT", "A", "orders.example.com"),
        ("UPSERT", "TXT", "_lattice-ingress.orders.example.com"),
    ]


def test_given_proxy_zone_when_planned_then_target_is_lattice_name() -> None:
    desired, _ = proxy_records([service("orders.example.com")], ZONE, RecordMode.CNAME)

    plan = plan_zone("proxy", OWNER, desired, [])

    record = plan.groups[0].changes[0].record
    assert record.values == ("svc-1.vpc-lattice-svcs.us-east-1.on.aws",)
    assert plan.entries[0].zone == "proxy"


def test_given_proxy_zone_alias_mode_when_planned_then_alias_to_lattice_zone() -> None:
    desired, _ = proxy_records([service("orders.example.com")], ZONE, RecordMode.ALIAS)

    record = desired[0].record

    assert record.type == "A"
    assert record.alias is not None and record.alias.hosted_zone_id == "ZLATTICE"


def test_given_alias_record_listed_with_trailing_dot_when_compared_then_unchanged() -> None:
    desired, _ = consumer_records(
        [service("orders.example.com")], ZONE, NLB, NLB_ZONE, RecordMode.ALIAS
    )
    existing = [
        RecordSet(
            name="orders.example.com",
            type="A",
            alias=AliasTarget(hosted_zone_id=NLB_ZONE, dns_name=NLB.upper() + "."),
        ),
        signed("orders.example.com", "svc-1", *desired[0].records),
    ]

    plan = plan_zone("consumer", OWNER, desired, existing)

    assert actions(plan) == {"orders.example.com": PlannedAction.UNCHANGED}


def test_given_owned_name_moved_to_another_service_when_planned_then_registry_updated() -> None:
    existing = [
        cname("orders.example.com", NLB),
        signed("orders.example.com", "svc-old", cname("orders.example.com", NLB)),
    ]

    plan = plan_zone("consumer", OWNER, desired_consumer(service("orders.example.com")), existing)

    assert api_changes(plan) == [("UPSERT", "TXT", "_lattice-ingress.orders.example.com")]
    assert plan.groups[0].changes[0].action is ChangeAction.UPSERT


def test_given_5000_new_services_when_planned_and_batched_then_batches_within_limits() -> None:
    from lattice_ingress.logic.batching import batch_changes, change_cost

    services = [service(f"s{i:04d}.example.com", f"svc-{i:04d}") for i in range(5000)]

    plan = plan_zone("consumer", OWNER, desired_consumer(*services), [])
    batches = batch_changes(plan.groups)

    assert len(plan.entries_with(PlannedAction.CREATE)) == 5000
    # 10,000 elements would fit in 10 batches, but the values bind first: 39 (CNAME) + 146
    # (the signed TXT, with an owner id as long as AWS's) = 185 characters a name, 172
    # names per 32,000 characters -> 30 batches.
    assert len(batches) == 30
    assert sum(len(batch) for batch in batches) == 10_000
    for batch in batches:
        assert sum(change_cost(c).elements for c in batch) <= 1000
        assert sum(change_cost(c).characters for c in batch) <= 32_000


def apex_soa_ns() -> list[RecordSet]:
    return [
        RecordSet(name=ZONE, type="SOA", ttl=900, values=("ns-1.awsdns-1.com. x. 1 2 3 4 5",)),
        RecordSet(name=ZONE, type="NS", ttl=172800, values=("ns-1.awsdns-1.com.",)),
    ]


def test_given_apex_holding_soa_ns_and_mx_when_planned_then_alias_created_beside_them() -> None:
    mx = RecordSet(name=ZONE, type="MX", ttl=300, values=("10 mail.example.com",))
    desired, _ = consumer_records(
        [service(ZONE)], ZONE, NLB, NLB_ZONE, RecordMode.CNAME, dualstack=True
    )

    plan = plan_zone("consumer", OWNER, desired, [*apex_soa_ns(), mx])

    assert actions(plan) == {ZONE: PlannedAction.CREATE}
    assert api_changes(plan) == [
        ("CREATE", "A", ZONE),
        ("CREATE", "AAAA", ZONE),
        ("CREATE", "TXT", f"_lattice-ingress.{ZONE}"),
    ]
    assert plan.entries[0].record_type == "A+AAAA"


def test_given_apex_with_someone_elses_a_record_when_planned_then_conflict() -> None:
    foreign_a = RecordSet(name=ZONE, type="A", ttl=300, values=("192.0.2.1",))
    desired, _ = consumer_records([service(ZONE)], ZONE, NLB, NLB_ZONE, RecordMode.CNAME)

    plan = plan_zone("consumer", OWNER, desired, [*apex_soa_ns(), foreign_a])

    assert actions(plan) == {ZONE: PlannedAction.CONFLICT}
    assert plan.entries[0].reason == "name holds records this stack does not own (A)"


def test_given_dualstack_nlb_when_alias_planned_then_aaaa_beside_a_with_same_target() -> None:
    desired, _ = consumer_records(
        [service("orders.example.com")], ZONE, NLB, NLB_ZONE, RecordMode.ALIAS, dualstack=True
    )

    records = desired[0].records

    assert [r.type for r in records] == ["A", "AAAA"]
    assert (
        records[0].alias == records[1].alias == AliasTarget(hosted_zone_id=NLB_ZONE, dns_name=NLB)
    )


def test_given_ipv4_nlb_when_alias_planned_then_a_only() -> None:
    desired, _ = consumer_records(
        [service("orders.example.com")], ZONE, NLB, NLB_ZONE, RecordMode.ALIAS
    )

    assert [r.type for r in desired[0].records] == ["A"]


def test_given_proxy_zone_alias_when_planned_then_aaaa_companion_always() -> None:
    desired, _ = proxy_records([service("orders.example.com")], ZONE, RecordMode.ALIAS)

    assert [r.type for r in desired[0].records] == ["A", "AAAA"]


def _owned_alias(types: tuple[str, ...]) -> list[RecordSet]:
    alias = AliasTarget(hosted_zone_id=NLB_ZONE, dns_name=NLB)
    held = [RecordSet(name="orders.example.com", type=t, alias=alias) for t in types]
    return [*held, signed("orders.example.com", "svc-1", *held)]


def test_given_nlb_no_longer_dualstack_when_planned_then_aaaa_deleted() -> None:
    desired, _ = consumer_records(
        [service("orders.example.com")], ZONE, NLB, NLB_ZONE, RecordMode.ALIAS
    )

    plan = plan_zone("consumer", OWNER, desired, _owned_alias(("A", "AAAA")))

    assert api_changes(plan) == [
        ("DELETE", "AAAA", "orders.example.com"),
        ("UPSERT", "TXT", "_lattice-ingress.orders.example.com"),
    ]


def test_given_nlb_becomes_dualstack_when_planned_then_aaaa_added() -> None:
    desired, _ = consumer_records(
        [service("orders.example.com")], ZONE, NLB, NLB_ZONE, RecordMode.ALIAS, dualstack=True
    )

    plan = plan_zone("consumer", OWNER, desired, _owned_alias(("A",)))

    assert api_changes(plan) == [
        ("UPSERT", "AAAA", "orders.example.com"),
        ("UPSERT", "TXT", "_lattice-ingress.orders.example.com"),
    ]


def test_given_dualstack_alias_switched_to_cname_then_a_and_aaaa_deleted_first() -> None:
    plan = plan_zone(
        "consumer",
        OWNER,
        desired_consumer(service("orders.example.com")),
        _owned_alias(("A", "AAAA")),
    )

    assert api_changes(plan) == [
        ("DELETE", "A", "orders.example.com"),
        ("DELETE", "AAAA", "orders.example.com"),
        ("UPSERT", "CNAME", "orders.example.com"),
        ("UPSERT", "TXT", "_lattice-ingress.orders.example.com"),
    ]


def test_given_owned_dualstack_name_removed_when_planned_then_a_aaaa_and_txt_deleted() -> None:
    plan = plan_zone("consumer", OWNER, [], _owned_alias(("A", "AAAA")))

    assert api_changes(plan) == [
        ("DELETE", "A", "orders.example.com"),
        ("DELETE", "AAAA", "orders.example.com"),
        ("DELETE", "TXT", "_lattice-ingress.orders.example.com"),
    ]


def test_given_owned_alias_beside_foreign_mx_when_switched_to_cname_then_conflict() -> None:
    mx = RecordSet(name="orders.example.com", type="MX", ttl=300, values=("10 mail.example.com",))

    plan = plan_zone(
        "consumer",
        OWNER,
        desired_consumer(service("orders.example.com")),
        [*_owned_alias(("A",)), mx],
    )

    # Route 53 would refuse the CNAME beside the MX; the plan says so instead of trying.
    assert actions(plan) == {"orders.example.com": PlannedAction.CONFLICT}
    assert plan.groups == ()
    assert "(MX)" in (plan.entries[0].reason or "")


# -- ownership that cannot be forged or shared (logic/ownership.py) ----------------------
FOREIGN_TARGET = "someone-else.example.net"


def forged(name: str) -> RecordSet:
    """What anyone with TXT write can do: copy our owner id (even a signature from another
    name) beside a record of their own."""
    stolen = OWNER.signature("other.example.com", "svc-1", [cname("other.example.com", NLB)])
    value = f'"heritage=lattice-ingress,owner={OWNER.owner_id},service=svc-1,sig={stolen}"'
    return RecordSet(name=f"_lattice-ingress.{name}", type="TXT", ttl=300, values=(value,))


def test_given_forged_marker_beside_foreign_record_when_unlisted_then_conflict_not_delete() -> None:
    existing = [cname("www.example.com", FOREIGN_TARGET), forged("www.example.com")]

    plan = plan_zone("consumer", OWNER, [], existing)

    assert actions(plan) == {"www.example.com": PlannedAction.CONFLICT}
    assert plan.groups == ()


def test_given_forged_marker_beside_foreign_record_when_in_catalog_then_conflict_not_upsert() -> (
    None
):
    existing = [cname("orders.example.com", FOREIGN_TARGET), forged("orders.example.com")]

    plan = plan_zone("consumer", OWNER, desired_consumer(service("orders.example.com")), existing)

    assert actions(plan) == {"orders.example.com": PlannedAction.CONFLICT}
    assert plan.groups == ()


def test_given_our_record_repointed_by_someone_when_planned_then_conflict_not_overwritten() -> None:
    ours = cname("orders.example.com", NLB)
    existing = [
        cname("orders.example.com", FOREIGN_TARGET),
        signed("orders.example.com", "svc-1", ours),
    ]

    for desired in (desired_consumer(service("orders.example.com")), []):
        plan = plan_zone("consumer", OWNER, desired, existing)
        assert actions(plan) == {"orders.example.com": PlannedAction.CONFLICT}
        assert plan.groups == ()


def test_given_same_stack_name_other_region_when_planned_then_neither_claims_the_other() -> None:
    twin = Ownership(
        "123456789012:eu-west-1:0b8e3d41-7a2c-4f69-8d15-c3e9a4f27b06",
        b"key-of-twin",
        legacy_owner_id="stack-a",
    )
    theirs = cname("theirs.example.com", NLB)
    existing = [theirs, twin.marker("theirs.example.com", "svc-7", [theirs])]

    ours = plan_zone("consumer", OWNER, [], existing)
    wanted = plan_zone("consumer", OWNER, desired_consumer(service("theirs.example.com")), existing)

    assert ours.entries == () and ours.groups == ()
    assert actions(wanted) == {"theirs.example.com": PlannedAction.CONFLICT}
    assert wanted.groups == ()


def test_given_legacy_marker_and_matching_record_when_planned_then_adopted_by_signing() -> None:
    existing = [
        cname("orders.example.com", NLB),
        registry_record("orders.example.com", "stack-a", "svc-1"),
    ]

    plan = plan_zone("consumer", OWNER, desired_consumer(service("orders.example.com")), existing)

    assert api_changes(plan) == [("UPSERT", "TXT", "_lattice-ingress.orders.example.com")]
    assert plan.groups[0].changes[0].record == signed(
        "orders.example.com", "svc-1", cname("orders.example.com", NLB)
    )


def test_given_legacy_marker_and_other_record_when_planned_then_conflict_never_delete() -> None:
    existing = [
        cname("orders.example.com", FOREIGN_TARGET),
        registry_record("orders.example.com", "stack-a", "svc-1"),
    ]

    for desired in (desired_consumer(service("orders.example.com")), []):
        plan = plan_zone("consumer", OWNER, desired, existing)
        assert actions(plan) == {"orders.example.com": PlannedAction.CONFLICT}
        assert plan.groups == ()
