"""One request -> the IAM questions it raises (actions.py) -> the decision (policy.py).

Parses what the table's resource templates and the condition keys need from the request as
moto's router sees it: URI labels, query string, headers and the body (JSON or form)."""

from __future__ import annotations

import json
import re
import threading
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

from botocore.model import OperationModel

from embedded_aws.iam import actions
from embedded_aws.iam.credentials import RoleSession, identity_policies
from embedded_aws.iam.policy import AuthRequest, Decision, evaluate

ROOT_PRINCIPAL = "arn:aws:iam::{account}:root"
ACTIONS_FILE = "embedded_aws/iam/actions.py"


@dataclass(frozen=True)
class Call:
    """One authorised (or refused) action: what the least-privilege test reads back."""

    role_arn: str
    operation: str  # service:Operation, as the SDK named it
    action: str
    resource: str
    allowed: bool
    context: tuple[tuple[str, tuple[str, ...]], ...] = ()  # the condition keys it carried


@dataclass(frozen=True)
class Denial:
    action: str
    resource: str
    decision: Decision
    message: str


@dataclass
class CallLog:
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, call: Call) -> None:
        with self.lock:
            self.calls.append(call)

    def snapshot(self) -> list[Call]:
        with self.lock:
            return list(self.calls)

    def clear(self) -> None:
        with self.lock:
            self.calls.clear()


CALLS = CallLog()


def request_parameters(
    service: str,
    operation: OperationModel,
    uri_params: Mapping[str, Any],
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: bytes,
) -> dict[str, Any]:
    """The operation's input members by API name, from wherever the protocol put them."""
    shape = operation.input_shape
    params: dict[str, Any] = {}
    document: Any = {}
    protocol = operation.metadata.get("protocol", "")
    if body and protocol in ("json", "rest-json"):
        try:
            document = json.loads(body)
        except ValueError:
            document = {}
    elif body and protocol in ("query", "ec2"):
        document = {k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()}
        document.update(query)
    members = shape.members if shape is not None else {}
    lowered_headers = {k.lower(): v for k, v in headers.items()}
    for name, member in members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location == "uri":
            value = uri_params.get(wire, uri_params.get(name))
            params[name] = unquote(value) if isinstance(value, str) else value
        elif location == "querystring":
            params[name] = query.get(wire)
        elif location == "header":
            params[name] = lowered_headers.get(wire.lower())
        elif isinstance(document, dict):
            params[name] = document.get(name, document.get(wire))
    params = {k: v for k, v in params.items() if v not in (None, "")}
    if service == "s3" and "CopySource" in params:
        source = unquote(str(params["CopySource"])).lstrip("/")
        path, _, version = source.partition("?versionId=")
        bucket, _, key = path.partition("/")
        params.update(CopySourceBucket=bucket, CopySourceKey=key)
        if version:
            params["CopySourceVersionId"] = version
    return params


def condition_context(
    service: str,
    operation: str,
    params: Mapping[str, Any],
    body: bytes,
    env: Mapping[str, str] | None = None,
) -> dict[str, list[str]]:
    """The service-specific condition keys of this request (the global ones are added by
    `authorize`)."""
    context: dict[str, list[str]] = {}
    if service == "ecs" and env is not None:
        # ecs:cluster is the cluster's ARN, whether the request named it or defaulted it.
        cluster = str(params.get("cluster") or actions.DEFAULTS[("ecs", "cluster")])
        if not cluster.startswith("arn:"):
            cluster = "arn:{partition}:ecs:{region}:{account}:cluster/".format(**env) + cluster
        context["ecs:cluster"] = [cluster]
    if service == "s3" and operation in ("ListObjects", "ListObjectsV2", "ListObjectVersions"):
        if "Prefix" in params:
            context["s3:prefix"] = [str(params["Prefix"])]
        if "Delimiter" in params:
            context["s3:delimiter"] = [str(params["Delimiter"])]
    if service == "route53" and operation == "ChangeResourceRecordSets" and body:
        context.update(_route53_change_keys(body))
    return context


def _route53_change_keys(body: bytes) -> dict[str, list[str]]:
    """route53:ChangeResourceRecordSets{NormalizedRecordNames,RecordTypes,Actions}."""
    try:
        # The body already passed SigV4 from a local SDK client; moto parses it next anyway.
        root = ElementTree.fromstring(body)  # noqa: S314
    except ElementTree.ParseError:
        return {}
    names, types, verbs = [], [], []
    for change in root.iter():
        if not change.tag.endswith("}Change") and change.tag != "Change":
            continue
        fields = {child.tag.rsplit("}", 1)[-1]: child for child in change}
        verbs.append((fields["Action"].text or "") if "Action" in fields else "")
        record = fields.get("ResourceRecordSet")
        if record is None:
            continue
        inner = {child.tag.rsplit("}", 1)[-1]: child.text or "" for child in record}
        names.append(_normalised_record_name(inner.get("Name", "")))
        types.append(inner.get("Type", ""))
    return {
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": names,
        "route53:ChangeResourceRecordSetsRecordTypes": types,
        "route53:ChangeResourceRecordSetsActions": verbs,
    }


def _normalised_record_name(name: str) -> str:
    # AWS: lower case, no trailing dot, octal escapes decoded.
    decoded = re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1), 8)), name)
    return decoded.rstrip(".").lower()


def resources_for(
    need: actions.Need, service: str, params: Mapping[str, Any], env: Mapping[str, str]
) -> list[str]:
    """The ARNs `need.resource` names for this request (several for a list parameter)."""
    labels = re.findall(r"{(\w+)}", need.resource)
    values: dict[str, list[str]] = {}
    for label in labels:
        if label in env:
            values[label] = [env[label]]
            continue
        raw = params.get(label, actions.DEFAULTS.get((service, label)))
        if raw is None:
            # A request without it is malformed: moto refuses it after this check.
            return [need.resource.replace("{" + label + "}", "")]
        items = raw if isinstance(raw, list) else [raw]
        normalise = actions.PARAMS.get((service, label), str)
        values[label] = [normalise(str(item)) for item in items]
    resources = [need.resource]
    for label, options in values.items():
        resources = [r.replace("{" + label + "}", v) for r in resources for v in options]
    return resources


def authorize(
    session: RoleSession | None,
    service: str,
    operation: str,
    params: Mapping[str, Any],
    body: bytes,
    *,
    region: str,
    account: str,
    resource_policy: str | None = None,
) -> Denial | None:
    """None when every action the call needs is allowed; else the first refusal.

    `session` None is the account's root (the dummy credentials of tests and the demo):
    only a resource policy's explicit Deny can refuse it."""
    needs = actions.ACTIONS.get((service, operation))
    principal = session.session_arn if session else ROOT_PRINCIPAL.format(account=account)
    if needs is None:
        # Unmapped: the action AWS names after the operation, which only a grant on "*"
        # (or a wildcard action) allows; a policy scoped to resources never matches it.
        action = f"{actions.iam_prefix(service)}:{operation}"
        needs = (actions.Need(action),)
        unmapped = (
            f" (the embedded AWS has no IAM mapping for {service} {operation}: "
            f"add a row to {ACTIONS_FILE})"
        )
    else:
        unmapped = ""
    env = {"partition": "aws", "region": region, "account": account}
    context = condition_context(service, operation, params, body, env)
    context["aws:SecureTransport"] = ["true"]  # the local endpoint stands in for AWS's TLS one
    context["aws:RequestedRegion"] = [region]
    context["aws:PrincipalAccount"] = [account]
    context["aws:PrincipalArn"] = [session.role_arn if session else principal]
    policies = identity_policies(session.role_arn) if session else []
    for need in needs:
        if (need.when and need.when not in params) or (need.unless and need.unless in params):
            continue
        for resource in resources_for(need, service, params, env):
            denial = decide(
                session,
                principal,
                need.action,
                resource,
                context,
                policies,
                resource_policy,
                f"{service}:{operation}",
            )
            if denial is not None:
                if unmapped:
                    return Denial(
                        denial.action, denial.resource, denial.decision, denial.message + unmapped
                    )
                return denial
    return None


def decide(
    session: RoleSession | None,
    principal: str,
    action: str,
    resource: str,
    context: Mapping[str, list[str]],
    policies: list[str],
    resource_policy: str | None,
    operation: str,
) -> Denial | None:
    result = evaluate(
        policies,
        AuthRequest(principal, action, resource, context),
        resource_policy or None,
        identity_applies=session is not None,
    )
    if session is not None:
        keys = tuple((k, tuple(v)) for k, v in sorted(context.items()))
        CALLS.add(Call(session.role_arn, operation, action, resource, result.allowed, keys))
    if result.allowed:
        return None
    reason = {
        Decision.IMPLICIT_DENY: f"because no identity-based policy allows the {action} action",
        Decision.IDENTITY_DENY: "with an explicit deny in an identity-based policy",
        Decision.RESOURCE_DENY: "with an explicit deny in a resource-based policy",
    }[result.decision]
    if result.unsupported:
        reason += f" (condition operators not evaluated here: {', '.join(result.unsupported)})"
    message = (
        f"User: {principal} is not authorized to perform: {action} on resource: {resource} {reason}"
    )
    return Denial(action, resource, result.decision, message)
