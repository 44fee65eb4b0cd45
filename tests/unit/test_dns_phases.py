"""Routes before names: the withdraw phase applies a zone plan's deletions only."""

from __future__ import annotations

from lattice_ingress.logic.dns_phases import publishes, withdrawals_only
from lattice_ingress.logic.dns_plan import plan_zone
from lattice_ingress.logic.dns_records import RecordMode, consumer_records
from lattice_ingress.logic.ownership import Ownership
from lattice_ingress.models.catalog import PublishedService
from lattice_ingress.models.dns import PlannedAction, RecordSet

OWNER = Ownership("123456789012:us-east-1:stack-a", b"key-of-stack-a")
NLB = "ext-nlb-123.elb.us-east-1.amazonaws.com"


def test_given_added_changed_and_removed_names_when_withdrawing_then_only_removals_remain():
    services = [
        PublishedService(service_id=f"svc-{name}", domain=f"{name}.example.com", upstream="u.test")
        for name in ("new", "kept")
    ]
    desired, _ = consumer_records(services, "example.com", NLB, "ZNLB", RecordMode.CNAME)
    kept = RecordSet(name="kept.example.com", type="CNAME", ttl=300, values=("old-nlb.test",))
    gone = RecordSet(name="gone.example.com", type="CNAME", ttl=300, values=(NLB,))
    existing = [
        kept,
        OWNER.marker("kept.example.com", "svc-kept", (kept,)),
        gone,
        OWNER.marker("gone.example.com", "svc-gone", (gone,)),
    ]
    plan = plan_zone("consumer", OWNER, desired, existing)
    assert {e.action for e in plan.entries} == {
        PlannedAction.CREATE,
        PlannedAction.UPDATE,
        PlannedAction.DELETE,
    }

    withdrawn = withdrawals_only(plan)

    assert [(e.name, e.action) for e in withdrawn.entries] == [
        ("gone.example.com", PlannedAction.DELETE)
    ]
    assert {g.name for g in withdrawn.groups} == {"gone.example.com"}


def _plan(services: list[str], existing_names: list[str]):
    records = [
        PublishedService(service_id=f"svc-{name}", domain=f"{name}.example.com", upstream="u.test")
        for name in services
    ]
    desired, _ = consumer_records(records, "example.com", NLB, "ZNLB", RecordMode.CNAME)
    existing = []
    for name in existing_names:
        record = RecordSet(name=f"{name}.example.com", type="CNAME", ttl=300, values=(NLB,))
        existing += [record, OWNER.marker(record.name, f"svc-{name}", (record,))]
    return plan_zone("consumer", OWNER, desired, existing)


def test_given_only_removals_and_unchanged_names_then_the_withdraw_phase_is_the_whole_plan():
    plan = _plan(services=["kept"], existing_names=["kept", "gone"])

    assert not publishes(plan)
    assert withdrawals_only(plan).groups == plan.groups


def test_given_an_added_name_then_the_plan_publishes():
    assert publishes(_plan(services=["kept", "new"], existing_names=["kept"]))


def test_given_nothing_to_do_then_the_plan_publishes_nothing():
    assert not publishes(_plan(services=["kept"], existing_names=["kept"]))
