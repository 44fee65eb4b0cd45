"""sync_dns names the zone from its own record listing (the apex SOA) instead of a
GetHostedZone call: the same name, one call fewer per zone and pass."""

from __future__ import annotations

from lattice_ingress.adapters.route53 import list_records, zone_name, zone_name_from_records
from lattice_ingress.models.dns import RecordSet

from .conftest import Account


def test_given_a_zone_when_listed_then_its_soa_names_it_as_get_hosted_zone_does(
    account: Account,
) -> None:
    records = list_records(account.route53, account.consumer_zone)

    assert zone_name_from_records(records) == zone_name(account.route53, account.consumer_zone)


def test_given_no_soa_when_named_from_records_then_none() -> None:
    assert zone_name_from_records([RecordSet(name="a.example.com", type="TXT")]) is None
