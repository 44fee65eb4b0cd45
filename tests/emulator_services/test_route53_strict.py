"""ChangeResourceRecordSets refuses what AWS refuses, with AWS's messages, and applies a batch
whole or not at all. Each test fails against moto's own (lenient) handler, which accepts
the change or applies the changes before the bad one."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .support import unique


@pytest.fixture
def route53(embedded: Any) -> Any:
    return embedded.client("route53")


@pytest.fixture
def zone(route53: Any) -> tuple[str, str]:
    """A fresh public zone: (id, name without the root dot)."""
    name = f"{unique('strict')}.example.test"
    zone_id = route53.create_hosted_zone(Name=name, CallerReference=unique("ref"))["HostedZone"][
        "Id"
    ]
    return zone_id, name


def _cname(name: str, value: str = "target.example.net", action: str = "CREATE") -> dict[str, Any]:
    return {
        "Action": action,
        "ResourceRecordSet": {
            "Name": name,
            "Type": "CNAME",
            "TTL": 300,
            "ResourceRecords": [{"Value": value}],
        },
    }


def _txt(name: str, value: str = '"owner"', action: str = "CREATE") -> dict[str, Any]:
    return {
        "Action": action,
        "ResourceRecordSet": {
            "Name": name,
            "Type": "TXT",
            "TTL": 300,
            "ResourceRecords": [{"Value": value}],
        },
    }


def _alias(name: str, record_type: str = "A", action: str = "CREATE") -> dict[str, Any]:
    return {
        "Action": action,
        "ResourceRecordSet": {
            "Name": name,
            "Type": record_type,
            "AliasTarget": {
                "HostedZoneId": "Z26RNL4JYFTOTI",
                "DNSName": "nlb-1234.elb.us-east-1.amazonaws.com",
                "EvaluateTargetHealth": False,
            },
        },
    }


def _name_of_length(length: int, zone_name: str) -> str:
    labels: list[str] = []
    while len(name := ".".join([*labels, zone_name])) < length:
        labels.append("c" * min(63, length - len(name) - 1))
    return name


def _change(route53: Any, zone_id: str, *changes: dict[str, Any]) -> None:
    route53.change_resource_record_sets(
        HostedZoneId=zone_id, ChangeBatch={"Changes": list(changes)}
    )


def _refused(route53: Any, zone_id: str, *changes: dict[str, Any]) -> str:
    with pytest.raises(ClientError) as caught:
        _change(route53, zone_id, *changes)
    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidChangeBatch", error
    return str(error["Message"])


def _records(route53: Any, zone_id: str) -> set[tuple[str, str]]:
    pages = route53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone_id)
    return {
        (r["Name"].rstrip("."), r["Type"]) for page in pages for r in page["ResourceRecordSets"]
    }


def test_given_new_zone_then_it_holds_its_soa_and_ns_at_the_apex(route53, zone):
    zone_id, name = zone
    assert _records(route53, zone_id) == {(name, "SOA"), (name, "NS")}
    listed = {
        r["Type"]: r
        for r in route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    }
    soa = listed["SOA"]["ResourceRecords"][0]["Value"].split()
    assert len(soa) == 7 and soa[0].endswith(".") and soa[1] == "awsdns-hostmaster.amazon.com."
    assert all(r["Value"].endswith(".") for r in listed["NS"]["ResourceRecords"])


def test_given_apex_soa_or_ns_when_deleted_then_refused(route53, zone):
    zone_id, name = zone
    for record in route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]:
        message = _refused(route53, zone_id, {"Action": "DELETE", "ResourceRecordSet": record})
        assert "A HostedZone must contain" in message
    assert _records(route53, zone_id) == {(name, "SOA"), (name, "NS")}


def test_given_label_over_63_octets_then_fatal_domain_label_too_long(route53, zone):
    zone_id, name = zone
    label = "a" * 64
    message = _refused(route53, zone_id, _cname(f"{label}.{name}"))
    assert message == (
        f"FATAL problem: DomainLabelTooLong (Domain label is too long) encountered with '{label}'"
    )


def test_given_name_over_255_octets_then_fatal_domain_name_too_long(route53, zone):
    zone_id, name = zone
    # 63-octet labels until the wire form passes 255 octets; each label is legal alone.
    labels = ["b" * 63] * 4
    too_long = ".".join(labels) + "." + name
    message = _refused(route53, zone_id, _txt(too_long))
    assert message.startswith("FATAL problem: DomainNameTooLong (Domain name is too long)")
    # 253 characters (255 octets on the wire) is the longest name AWS takes.
    fitting = _name_of_length(253, name)
    assert len(fitting) == 253
    _change(route53, zone_id, _txt(fitting))


def test_given_cname_at_apex_then_refused(route53, zone):
    zone_id, name = zone
    message = _refused(route53, zone_id, _cname(name))
    assert message == (
        f"[RRSet of type CNAME with DNS name {name}. is not permitted at apex in zone {name}.]"
    )


def test_given_alias_at_apex_then_accepted_beside_soa_and_ns(route53, zone):
    zone_id, name = zone
    _change(route53, zone_id, _alias(name, "A"), _alias(name, "AAAA"))
    assert {(name, "A"), (name, "AAAA"), (name, "SOA"), (name, "NS")} <= _records(route53, zone_id)


def test_given_cname_beside_another_type_then_refused_in_both_directions(route53, zone):
    zone_id, name = zone
    with_txt = f"txt-first.{name}"
    with_cname = f"cname-first.{name}"
    _change(route53, zone_id, _txt(with_txt), _cname(with_cname))

    first = _refused(route53, zone_id, _cname(with_txt))
    second = _refused(route53, zone_id, _txt(with_cname))

    assert first == (
        f"[RRSet of type CNAME with DNS name {with_txt}. is not permitted as it conflicts "
        f"with other records with the same DNS name in zone {name}.]"
    )
    assert second == (
        f"[RRSet of type TXT with DNS name {with_cname}. is not permitted because a "
        f"conflicting RRSet of type CNAME with the same DNS name already exists in zone {name}.]"
    )


def test_given_existing_record_when_created_again_then_refused_even_with_other_values(
    route53, zone
):
    zone_id, name = zone
    record = f"taken.{name}"
    _change(route53, zone_id, _cname(record, "first.example.net"))
    message = _refused(route53, zone_id, _cname(record, "second.example.net"))
    assert message == (
        f"[Tried to create resource record set [name='{record}.', type='CNAME'] "
        "but it already exists]"
    )


def test_given_missing_or_different_record_when_deleted_then_refused(route53, zone):
    zone_id, name = zone
    record = f"present.{name}"
    _change(route53, zone_id, _cname(record, "kept.example.net"))

    missing = _refused(route53, zone_id, _cname(f"absent.{name}", action="DELETE"))
    different = _refused(route53, zone_id, _cname(record, "other.example.net", action="DELETE"))

    assert missing == (
        f"[Tried to delete resource record set [name='absent.{name}.', type='CNAME'] "
        "but it was not found]"
    )
    assert different == (
        f"[Tried to delete resource record set [name='{record}.', type='CNAME'] "
        "but the values provided do not match the current values]"
    )
    assert (record, "CNAME") in _records(route53, zone_id)


def test_given_one_bad_change_then_no_change_of_the_batch_is_applied(route53, zone):
    zone_id, name = zone
    good = f"good.{name}"
    message = _refused(
        route53,
        zone_id,
        _cname(good),
        _txt(f"_owner.{good}"),
        _cname(name),  # the apex: refused
        _cname(f"absent.{name}", action="DELETE"),  # also refused: both are reported
    )
    assert message.startswith("[RRSet of type CNAME with DNS name")
    assert "but it was not found]" in message
    assert _records(route53, zone_id) == {(name, "SOA"), (name, "NS")}


def test_given_delete_then_create_in_one_batch_then_the_type_switch_is_applied(route53, zone):
    zone_id, name = zone
    record = f"switch.{name}"
    _change(route53, zone_id, _cname(record))
    _change(route53, zone_id, _cname(record, action="DELETE"), _alias(record, "A"))
    assert {r for r in _records(route53, zone_id) if r[0] == record} == {(record, "A")}


def test_given_name_outside_the_zone_then_refused(route53, zone):
    zone_id, name = zone
    message = _refused(route53, zone_id, _cname("www.elsewhere.test"))
    assert message == f"[RRSet with DNS name www.elsewhere.test. is not permitted in zone {name}.]"


def test_given_more_than_1000_resource_records_then_refused(route53, zone):
    zone_id, name = zone
    changes = [_txt(f"r{i}.{name}") for i in range(501)]
    changes += [_txt(f"u{i}.{name}", action="UPSERT") for i in range(250)]  # count twice
    message = _refused(route53, zone_id, *changes)
    assert message == "[Number of records limit of 1000 exceeded.]"
    _change(route53, zone_id, *changes[:-1])  # exactly 1,000 elements pass


def test_given_more_than_32000_value_characters_then_refused(route53, zone):
    zone_id, name = zone
    value = '"' + "v" * 253 + '"'  # 255 characters, a TXT string's maximum
    changes = [_txt(f"t{i}.{name}", value) for i in range(126)]  # 32,130 characters
    message = _refused(route53, zone_id, *changes)
    assert message == "[RDATA character limit of 32000 exceeded.]"
    _change(route53, zone_id, *changes[:125])
