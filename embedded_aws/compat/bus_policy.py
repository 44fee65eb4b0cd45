"""EventBridge event bus resource policies, evaluated as AWS does for events arriving from
another account: only an Allow statement for events:PutEvents whose principal names the
sending account (id, `arn:aws:iam::<id>:root`, or "*" with a matching aws:PrincipalOrgID
condition) admits them. No policy, or no matching statement, refuses them; an explicit
Deny wins. Conditions other than aws:PrincipalOrgID are not evaluated: such statements
never allow (stricter than AWS, never more lenient; docs/emulator.md lists it)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

PUT_EVENTS = "events:PutEvents"


def allows(policy: str | None, account_id: str, organization_id: str | None) -> bool:
    if not policy:
        return False
    statements = json.loads(policy).get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    matching = [s for s in statements if _matches(s, account_id, organization_id)]
    if any(s.get("Effect") == "Deny" for s in matching):
        return False
    return any(s.get("Effect") == "Allow" for s in matching)


def _matches(statement: dict[str, Any], account_id: str, organization_id: str | None) -> bool:
    if not any(a in (PUT_EVENTS, "events:*", "*") for a in _listed(statement.get("Action"))):
        return False
    principal = statement.get("Principal")
    anyone = principal == "*" or (isinstance(principal, dict) and principal.get("AWS") == "*")
    named = isinstance(principal, dict) and any(
        value in (account_id, f"arn:aws:iam::{account_id}:root")
        for value in _listed(principal.get("AWS"))
    )
    if not (anyone or named):
        return False
    return _condition_holds(statement.get("Condition"), organization_id)


def _condition_holds(condition: dict[str, Any] | None, organization_id: str | None) -> bool:
    if not condition:
        return True
    for operator, tests in condition.items():
        for key, expected in tests.items():
            if operator != "StringEquals" or key != "aws:PrincipalOrgID":
                return False  # not evaluated here: never allow on it
            if organization_id is None or organization_id not in _listed(expected):
                return False
    return True


def _listed(value: Any) -> Iterable[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)
