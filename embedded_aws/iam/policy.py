"""IAM policy evaluation, as AWS documents it for one account (no SCPs, no permission
boundaries, no session policies): an explicit Deny anywhere wins; otherwise an Allow in an
identity policy or in the resource policy (for that principal) allows; otherwise denied.

Pure: documents in, decision out. Condition keys are looked up case-insensitively; a
condition operator this module does not know makes its statement fail closed (an Allow does
not apply, a Deny does), and `unsupported` names it, so a policy we cannot evaluate is never
read as more permissive than AWS would read it.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

Document = Mapping[str, Any]


class Decision(enum.Enum):
    ALLOW = "allow"
    IMPLICIT_DENY = "implicit deny"
    IDENTITY_DENY = "explicit deny in an identity-based policy"
    RESOURCE_DENY = "explicit deny in a resource-based policy"

    @property
    def allowed(self) -> bool:
        return self is Decision.ALLOW


@dataclass(frozen=True)
class AuthRequest:
    """One authorisation question: may `principal` do `action` on `resource`?

    `resource` is an ARN, or "*" for actions that support no resource-level permission
    (only a statement with Resource "*" matches those). `context` holds the condition keys
    (names in any case) and their values."""

    principal: str
    action: str
    resource: str
    context: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    decision: Decision
    unsupported: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.decision.allowed


def evaluate(
    identity_policies: Iterable[Document | str],
    request: AuthRequest,
    resource_policy: Document | str | None = None,
    *,
    identity_applies: bool = True,
) -> Result:
    """`identity_applies=False` for the account's root: its identity is allowed everything,
    but a resource policy's explicit Deny still binds it."""
    unsupported: list[str] = []
    identity = [_statements(p) for p in identity_policies] if identity_applies else []
    resource = _statements(resource_policy) if resource_policy else []
    id_allow = id_deny = res_allow = res_deny = False
    for statements in identity:
        for statement in statements:
            effect = _applies(statement, request, unsupported, resource_policy=False)
            id_allow |= effect == "Allow"
            id_deny |= effect == "Deny"
    for statement in resource:
        effect = _applies(statement, request, unsupported, resource_policy=True)
        res_allow |= effect == "Allow"
        res_deny |= effect == "Deny"
    if id_deny:
        decision = Decision.IDENTITY_DENY
    elif res_deny:
        decision = Decision.RESOURCE_DENY
    elif id_allow or res_allow or not identity_applies:
        decision = Decision.ALLOW
    else:
        decision = Decision.IMPLICIT_DENY
    return Result(decision, tuple(dict.fromkeys(unsupported)))


# -- statements -------------------------------------------------------------------------
def _statements(policy: Document | str) -> list[Mapping[str, Any]]:
    document = json.loads(policy) if isinstance(policy, str) else policy
    statements = document.get("Statement", [])
    return [statements] if isinstance(statements, Mapping) else list(statements)


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def _applies(
    statement: Mapping[str, Any],
    request: AuthRequest,
    unsupported: list[str],
    *,
    resource_policy: bool,
) -> str | None:
    """The statement's Effect if it matches the request, else None."""
    effect = statement.get("Effect")
    if resource_policy and not _principal_matches(statement, request.principal):
        return None
    if not _either(statement, "Action", "NotAction", request.action, ignore_case=True):
        return None
    if not _either(statement, "Resource", "NotResource", request.resource, ignore_case=False):
        return None
    conditions = statement.get("Condition") or {}
    verdict = _conditions_hold(conditions, request.context, unsupported)
    if verdict is None:  # cannot evaluate: fail closed
        return "Deny" if effect == "Deny" else None
    return str(effect) if verdict else None


def _either(
    statement: Mapping[str, Any], key: str, not_key: str, value: str, *, ignore_case: bool
) -> bool:
    if key in statement:
        return any(wildcard(p, value, ignore_case) for p in _listed(statement[key]))
    if not_key in statement:
        return not any(wildcard(p, value, ignore_case) for p in _listed(statement[not_key]))
    return False


def _principal_matches(statement: Mapping[str, Any], principal: str) -> bool:
    if "NotPrincipal" in statement:
        return not _principal_listed(statement["NotPrincipal"], principal)
    return _principal_listed(statement.get("Principal"), principal)


def _principal_listed(spec: Any, principal: str) -> bool:
    if spec == "*":
        return True
    if not isinstance(spec, Mapping):
        return False
    names = _listed(spec.get("AWS"))
    return "*" in names or principal in names or role_arn_of(principal) in names


def role_arn_of(principal: str) -> str:
    """arn:aws:sts::111:assumed-role/Name/session -> arn:aws:iam::111:role/Name (a bucket
    policy naming the role applies to its sessions)."""
    match = re.fullmatch(r"arn:([^:]+):sts::(\d+):assumed-role/([^/]+)/.+", principal)
    if not match:
        return principal
    partition, account, name = match.groups()
    return f"arn:{partition}:iam::{account}:role/{name}"


@lru_cache(maxsize=4096)
def _pattern(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def wildcard(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM's `*` and `?` (no character classes, unlike fnmatch)."""
    return _pattern(pattern, ignore_case).fullmatch(value) is not None


# -- conditions -------------------------------------------------------------------------
def _string_equals(p: str, v: str) -> bool:
    return p == v


def _string_like(p: str, v: str) -> bool:
    return wildcard(p, v)


def _ignore_case(p: str, v: str) -> bool:
    return p.lower() == v.lower()


def _bool(p: str, v: str) -> bool:
    return p.lower() == v.lower()


def _arn_like(p: str, v: str) -> bool:
    # ARN matching is per colon-separated part; `*` does not cross the first five colons.
    pattern_parts, value_parts = p.split(":", 5), v.split(":", 5)
    return len(pattern_parts) == len(value_parts) and all(
        wildcard(a, b) for a, b in zip(pattern_parts, value_parts, strict=True)
    )


# operator -> (compare(policy value, request value), negated)
_OPERATORS = {
    "StringEquals": (_string_equals, False),
    "StringNotEquals": (_string_equals, True),
    "StringEqualsIgnoreCase": (_ignore_case, False),
    "StringNotEqualsIgnoreCase": (_ignore_case, True),
    "StringLike": (_string_like, False),
    "StringNotLike": (_string_like, True),
    "Bool": (_bool, False),
    "ArnEquals": (_arn_like, False),
    "ArnLike": (_arn_like, False),
    "ArnNotEquals": (_arn_like, True),
    "ArnNotLike": (_arn_like, True),
}


def _conditions_hold(
    conditions: Mapping[str, Any], context: Mapping[str, Sequence[str]], unsupported: list[str]
) -> bool | None:
    """True when every condition holds; None when one cannot be evaluated here."""
    lowered = {key.lower(): list(values) for key, values in context.items()}
    for raw_operator, block in conditions.items():
        qualifier, _, operator = raw_operator.rpartition(":")
        if_exists = operator.endswith("IfExists")
        operator = operator.removesuffix("IfExists")
        if qualifier not in ("", "ForAllValues", "ForAnyValue") or (
            operator not in _OPERATORS and operator != "Null"
        ):
            unsupported.append(raw_operator)
            return None
        for key, expected in block.items():
            wanted = _listed(expected)
            present = lowered.get(key.lower())
            if operator == "Null":
                if (present is None) != (wanted[0].lower() == "true"):
                    return False
                continue
            compare, negated = _OPERATORS[operator]
            if not _key_holds(qualifier, compare, negated, wanted, present, if_exists):
                return False
    return True


def _key_holds(
    qualifier: str,
    compare: Any,
    negated: bool,
    wanted: list[str],
    present: list[str] | None,
    if_exists: bool,
) -> bool:
    def one(value: str) -> bool:
        matched = any(compare(p, value) for p in wanted)
        return not matched if negated else matched

    if qualifier == "ForAllValues":
        return all(one(v) for v in present or [])  # absent or empty: vacuously true
    if qualifier == "ForAnyValue":
        return any(one(v) for v in present or [])
    if present is None:
        return if_exists or negated  # AWS: a missing key fails a positive test
    return any(one(v) for v in present)
