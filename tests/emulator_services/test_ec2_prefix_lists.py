"""EC2 managed prefix lists and the security group rules quota, strict as AWS: each test
here is refused (or kept intact) by compat/ec2.py and passes silently on moto's own EC2."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .support import unique


@pytest.fixture
def ec2(embedded: Any) -> Any:
    return embedded.client("ec2")


def prefix_list(ec2: Any, family: str, max_entries: int, cidrs: list[str] = []) -> dict[str, Any]:  # noqa: B006
    return ec2.create_managed_prefix_list(  # type: ignore[no-any-return]
        PrefixListName=unique("pl"),
        AddressFamily=family,
        MaxEntries=max_entries,
        Entries=[{"Cidr": c} for c in cidrs],
    )["PrefixList"]


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_given_more_entries_than_max_entries_when_created_then_refused(ec2: Any) -> None:
    with pytest.raises(ClientError) as exc:
        prefix_list(ec2, "IPv4", 2, ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"])
    assert error_code(exc) == "PrefixListMaxEntriesExceeded"


def test_given_a_full_list_when_an_entry_is_added_then_refused_and_unchanged(ec2: Any) -> None:
    pl = prefix_list(ec2, "IPv4", 1, ["10.0.0.0/24"])

    with pytest.raises(ClientError) as exc:
        ec2.modify_managed_prefix_list(
            PrefixListId=pl["PrefixListId"], CurrentVersion=1, AddEntries=[{"Cidr": "10.9.0.0/24"}]
        )

    assert error_code(exc) == "PrefixListMaxEntriesExceeded"
    entries = ec2.get_managed_prefix_list_entries(PrefixListId=pl["PrefixListId"])["Entries"]
    assert [e["Cidr"] for e in entries] == ["10.0.0.0/24"]


@pytest.mark.parametrize(("family", "cidr"), [("IPv4", "2001:db8::/32"), ("IPv6", "10.0.0.0/8")])
def test_given_a_cidr_of_the_other_family_when_added_then_refused(
    ec2: Any, family: str, cidr: str
) -> None:
    pl = prefix_list(ec2, family, 5)

    with pytest.raises(ClientError) as exc:
        ec2.modify_managed_prefix_list(
            PrefixListId=pl["PrefixListId"], CurrentVersion=1, AddEntries=[{"Cidr": cidr}]
        )

    assert error_code(exc) == "InvalidParameterValue"


def test_given_a_stale_current_version_when_modified_then_refused(ec2: Any) -> None:
    pl = prefix_list(ec2, "IPv4", 5, ["10.0.0.0/24"])
    ec2.modify_managed_prefix_list(
        PrefixListId=pl["PrefixListId"], CurrentVersion=1, AddEntries=[{"Cidr": "10.0.1.0/24"}]
    )

    with pytest.raises(ClientError) as exc:
        ec2.modify_managed_prefix_list(
            PrefixListId=pl["PrefixListId"], CurrentVersion=1, AddEntries=[{"Cidr": "10.0.2.0/24"}]
        )

    assert error_code(exc) == "PrefixListVersionMismatch"


def test_given_entries_modified_without_a_name_then_the_name_is_kept(ec2: Any) -> None:
    pl = prefix_list(ec2, "IPv6", 5)

    ec2.modify_managed_prefix_list(
        PrefixListId=pl["PrefixListId"], CurrentVersion=1, AddEntries=[{"Cidr": "2001:db8::/32"}]
    )

    described = ec2.describe_managed_prefix_lists(PrefixListIds=[pl["PrefixListId"]])
    assert described["PrefixLists"][0]["PrefixListName"] == pl["PrefixListName"]


def group(ec2: Any) -> str:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    return str(
        ec2.create_security_group(GroupName=unique("sg"), Description="t", VpcId=vpc)["GroupId"]
    )


def test_given_a_missing_prefix_list_when_a_rule_references_it_then_refused(ec2: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ec2.authorize_security_group_ingress(
            GroupId=group(ec2),
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 443,
                    "ToPort": 443,
                    "PrefixListIds": [{"PrefixListId": "pl-0123456789abcdef0"}],
                }
            ],
        )
    assert error_code(exc) == "InvalidPrefixListID.NotFound"


def rule(port: int, pl: dict[str, Any]) -> dict[str, Any]:
    return {
        "IpProtocol": "tcp",
        "FromPort": port,
        "ToPort": port,
        "PrefixListIds": [{"PrefixListId": pl["PrefixListId"]}],
    }


def test_given_prefix_list_rules_when_their_max_entries_pass_the_quota_then_refused(
    ec2: Any,
) -> None:
    """Two rules on an empty 31-entry list weigh 62 rules: over the 60 of one family."""
    group_id = group(ec2)
    pl = prefix_list(ec2, "IPv4", 31)
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[rule(443, pl)])

    with pytest.raises(ClientError) as exc:
        ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[rule(80, pl)])

    assert error_code(exc) == "RulesPerSecurityGroupLimitExceeded"


def test_given_one_list_per_family_when_both_fill_the_quota_then_accepted(ec2: Any) -> None:
    """The quota counts IPv4 and IPv6 rules separately: 2 x 30 of each family fits."""
    group_id = group(ec2)
    v4, v6 = prefix_list(ec2, "IPv4", 30), prefix_list(ec2, "IPv6", 30)

    ec2.authorize_security_group_ingress(
        GroupId=group_id, IpPermissions=[rule(443, v4), rule(80, v4), rule(443, v6), rule(80, v6)]
    )

    rules = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]["IpPermissions"]
    assert {p["PrefixListId"] for r in rules for p in r["PrefixListIds"]} == {
        v4["PrefixListId"],
        v6["PrefixListId"],
    }
