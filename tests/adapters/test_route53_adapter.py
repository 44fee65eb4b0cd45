"""Route 53 adapter: full pagination, batched writes, domain errors, and retries of
Throttling / PriorRequestNotComplete by the client's botocore retry mode."""

from __future__ import annotations

from typing import Any

import pytest

from lattice_ingress.adapters import route53
from lattice_ingress.adapters.clients import client
from lattice_ingress.models.dns import AliasTarget, ChangeAction, RecordChange, RecordSet
from lattice_ingress.models.errors import (
    HostedZoneError,
    HostedZoneThrottledError,
    InvalidChangeBatchError,
)

from .conftest import Account

# moto warns that Throttling is not in Route 53's error shapes (AWS sends it all the same).
pytestmark = pytest.mark.filterwarnings("ignore:Exception\\(Route53ClientError\\):UserWarning")


def cname(name: str, action: ChangeAction = ChangeAction.CREATE) -> RecordChange:
    return RecordChange(
        action=action,
        record=RecordSet(name=name, type="CNAME", ttl=300, values=("target.example.net",)),
    )


def test_given_zone_when_named_then_lower_case_without_root_dot(account: Account) -> None:
    assert route53.zone_name(account.route53, account.consumer_zone) == "example.com"


def test_given_unknown_zone_when_named_then_hosted_zone_error(account: Account) -> None:
    with pytest.raises(HostedZoneError, match="ZNOPE"):
        route53.zone_name(account.route53, "ZNOPE")


def test_given_more_records_than_one_page_when_listed_then_all_returned(
    account: Account,
) -> None:
    batch = [cname(f"s{i}.example.com") for i in range(700)]
    route53.apply_batches(account.route53, account.consumer_zone, [batch], "test")

    records = route53.list_records(account.route53, account.consumer_zone)

    names = {r.name for r in records if r.type == "CNAME"}
    assert len(names) == 700
    assert "s699.example.com" in names
    assert {r.type for r in records} >= {"NS", "SOA", "CNAME"}


def test_given_alias_and_txt_when_written_and_listed_then_round_trip(account: Account) -> None:
    alias = RecordSet(
        name="a.example.com",
        type="A",
        alias=AliasTarget(hosted_zone_id="Z26RNL4JYFTOTI", dns_name="nlb.elb.amazonaws.com"),
    )
    txt = RecordSet(name="_x.a.example.com", type="TXT", ttl=300, values=('"k=v,o=w"',))
    route53.apply_batches(
        account.route53,
        account.consumer_zone,
        [[RecordChange(action=ChangeAction.CREATE, record=r) for r in (alias, txt)]],
        "test",
    )

    listed = {r.name: r for r in route53.list_records(account.route53, account.consumer_zone)}

    assert listed["a.example.com"].same_data(alias)
    assert listed["_x.a.example.com"].values == ('"k=v,o=w"',)


def test_given_several_batches_when_applied_then_one_call_each_in_order(
    account: Account,
) -> None:
    batches = [[cname("a.example.com")], [cname("a.example.com", ChangeAction.DELETE)]]

    ids = route53.apply_batches(account.route53, account.consumer_zone, batches, "test")

    assert len(ids) == 2
    assert ("a.example.com", "CNAME") not in account.records(account.consumer_zone)


def test_given_rejected_batch_when_applied_then_error_says_how_far_it_got(
    account: Account,
) -> None:
    batches = [[cname("a.example.com")], [cname("a.example.com")]]  # second CREATE collides

    with pytest.raises(HostedZoneError, match=r"batch 2/2 .* \(1 applied\)") as info:
        route53.apply_batches(account.route53, account.consumer_zone, batches, "test")
    # Refused, not throttled: not retried by the ASL; typed so sync_dns can isolate it.
    assert type(info.value) is InvalidChangeBatchError
    assert "but it already exists" in info.value.detail
    assert info.value.__cause__ is not None


@pytest.mark.parametrize("code", ["Throttling", "PriorRequestNotComplete"])
def test_given_transient_route53_errors_when_applied_then_retried_by_botocore(
    account: Account, monkeypatch: pytest.MonkeyPatch, code: str
) -> None:
    from moto.route53.exceptions import Route53ClientError
    from moto.route53.models import Route53Backend

    # No sleeping between attempts; the retry decision itself stays botocore's.
    monkeypatch.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount", lambda *_: 0)
    original = Route53Backend.change_resource_record_sets
    failures = {"left": 3}

    def flaky(self: Any, *args: Any, **kwargs: Any) -> Any:
        if failures["left"] > 0:
            failures["left"] -= 1
            raise Route53ClientError(code, "injected")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Route53Backend, "change_resource_record_sets", flaky)

    route53.apply_batches(client("route53"), account.consumer_zone, [[cname("r.example.com")]], "t")

    assert failures["left"] == 0
    assert ("r.example.com", "CNAME") in account.records(account.consumer_zone)


def test_given_persistent_throttling_when_applied_then_throttled_error_after_retries(
    account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.route53.exceptions import Route53ClientError
    from moto.route53.models import Route53Backend

    monkeypatch.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount", lambda *_: 0)
    calls = {"n": 0}

    def throttled(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        raise Route53ClientError("Throttling", "injected")

    monkeypatch.setattr(Route53Backend, "change_resource_record_sets", throttled)

    with pytest.raises(HostedZoneThrottledError, match="Throttling"):
        route53.apply_batches(
            client("route53"), account.consumer_zone, [[cname("r.example.com")]], "t"
        )
    assert calls["n"] == 11  # the first attempt + RETRY_CONFIG's max_attempts (10) retries
