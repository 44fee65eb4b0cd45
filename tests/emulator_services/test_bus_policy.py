"""Event bus resource policies as AWS evaluates them for another account's events."""

from __future__ import annotations

import json

from embedded_aws.compat.bus_policy import allows


def _policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ACCOUNTS = {
    "Sid": "a",
    "Effect": "Allow",
    "Principal": {"AWS": ["111111111111", "arn:aws:iam::333333333333:root"]},
    "Action": "events:PutEvents",
    "Resource": "*",
}
ORG = {
    "Sid": "o",
    "Effect": "Allow",
    "Principal": "*",
    "Action": "events:PutEvents",
    "Resource": "*",
    "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}},
}


def test_listed_accounts_are_allowed_and_others_refused():
    assert allows(_policy(ACCOUNTS), "111111111111", None)
    assert allows(_policy(ACCOUNTS), "333333333333", None)
    assert not allows(_policy(ACCOUNTS), "222222222222", None)
    assert not allows(None, "111111111111", None)


def test_organization_condition_admits_only_its_members():
    assert allows(_policy(ORG), "222222222222", "o-abcdefghij")
    assert not allows(_policy(ORG), "222222222222", "o-zzzzzzzzzz")
    assert not allows(_policy(ORG), "222222222222", None)


def test_deny_wins_and_other_actions_do_not_allow():
    deny = {**ACCOUNTS, "Sid": "d", "Effect": "Deny"}
    other = {**ACCOUNTS, "Action": "events:DescribeRule"}
    assert not allows(_policy(ACCOUNTS, deny), "111111111111", None)
    assert not allows(_policy(other), "111111111111", None)
