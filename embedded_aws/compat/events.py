"""EventBridge: rules deliver to Step Functions and Lambda targets, as on AWS.

moto's `Rule.send_to_targets` knows log groups, archives, SQS, buses and API destinations
and raises NotImplementedError for anything else. We deliver state machine targets
(StartExecution) and Lambda targets (asynchronous invoke, in process) ourselves and hand
every other target to moto unchanged. Also as on AWS: a DISABLED rule delivers nothing.

The input a target receives follows the target's settings: `Input` (constant JSON text),
`InputPath` (one JSONPath selection) or `InputTransformer` (InputPathsMap + InputTemplate),
else the whole event with `time` in ISO-8601.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from embedded_aws.compat import bus_policy

if TYPE_CHECKING:
    from embedded_aws.server import EmbeddedAws

logger = logging.getLogger(__name__)

_INSTALLED_MARK = "_lattice_ingress_compat"
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
_EVENT_FIELDS = ("version", "id", "detail-type", "source", "account", "time", "region")


class TargetDeliveryError(RuntimeError):
    """A target could not be reached (AWS counts a FailedInvocation; we log it)."""


# -- target input -----------------------------------------------------------------------------
def _iso_time(value: Any) -> Any:
    if isinstance(value, int | float):
        moment = dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def delivered_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """The event as a target sees it: AWS's field order, ISO time, no moto bookkeeping."""
    shaped = {key: event[key] for key in _EVENT_FIELDS if key in event}
    shaped["time"] = _iso_time(shaped.get("time"))
    shaped["resources"] = event.get("resources", [])
    shaped["detail"] = event.get("detail", {})
    return shaped


def _select(path: str, event: Mapping[str, Any]) -> Any:
    from jsonpath_ng.ext import parse

    matches = parse(path).find(event)
    return matches[0].value if matches else None


def transform(transformer: Mapping[str, Any], event: Mapping[str, Any]) -> str:
    """InputTransformer: each `<name>` in the template becomes the value at its path.

    As on AWS, strings are inserted bare (a JSON template quotes them itself: `"<name>"`),
    other values as JSON, a missing path as `null`; `<aws.events.event.json>` is the event.
    """
    values: dict[str, Any] = {
        name: _select(path, event) for name, path in transformer.get("InputPathsMap", {}).items()
    }
    values["aws.events.event.json"] = dict(event)
    values["aws.events.event"] = dict(event)
    template = transformer.get("InputTemplate", "")

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        value = values[name]
        return value if isinstance(value, str) else json.dumps(value)

    return _PLACEHOLDER.sub(fill, template)


def target_input(target: Mapping[str, Any], event: Mapping[str, Any]) -> str:
    """The text a target receives for `event` (a JSON document, or a template's text)."""
    shaped = delivered_event(event)
    if "Input" in target:
        return str(target["Input"])
    if "InputPath" in target:
        return json.dumps(_select(target["InputPath"], shaped))
    if "InputTransformer" in target:
        return transform(target["InputTransformer"], shaped)
    return json.dumps(shaped)


# -- delivery ---------------------------------------------------------------------------------
def _is_ours(target: Mapping[str, Any]) -> bool:
    arn = str(target.get("Arn", ""))
    return arn.startswith("arn:") and (arn.split(":")[2] in {"states", "lambda"} or _is_bus(arn))


def _is_bus(arn: str) -> bool:
    parts = arn.split(":")
    return len(parts) > 5 and parts[2] == "events" and parts[5].startswith("event-bus/")


def _organization_of(account_id: str) -> str | None:
    """The AWS Organizations id the account belongs to in the emulator, if any."""
    from moto.organizations.models import organizations_backends

    for _, regions in list(organizations_backends.items()):
        for backend in list(regions.values()):
            if backend.org and any(a.id == account_id for a in backend.accounts):
                return str(backend.org.id)
    return None


def _forward_to_bus(sender_account: str, arn: str, event: Mapping[str, Any]) -> None:
    """A bus target: the event goes on to that bus's rules unchanged (its `account` stays
    the sender's, as AWS keeps it). Across accounts the receiving bus's resource policy
    must allow the sender, or the event is dropped (AWS counts a FailedInvocation)."""
    from moto.events.models import events_backends

    _, region, account = _arn_parts(arn)
    bus = events_backends[account][region].describe_event_bus(arn.split(":event-bus/", 1)[1])
    if account != sender_account and not bus_policy.allows(
        bus.policy, sender_account, _organization_of(sender_account)
    ):
        raise TargetDeliveryError(
            f"{arn}: its resource policy does not allow events:PutEvents from {sender_account}"
        )
    for rule in list(bus.rules.values()):
        forwarded: Any = copy.deepcopy(dict(event))
        rule.send_to_targets(forwarded)


def _arn_parts(arn: str) -> tuple[str, str, str]:
    """(service, region, account) of an ARN."""
    parts = arn.split(":")
    return parts[2], parts[3], parts[4]


def _start_execution(arn: str, text: str) -> None:
    from moto.stepfunctions.responses import get_backend

    _, region, account = _arn_parts(arn)
    # No name: the compat layer gives each execution a fresh UUID, as AWS does.
    get_backend(account, region).start_execution(arn, None, text)  # type: ignore[arg-type]


def _invoke_lambda(arn: str, text: str) -> None:
    from moto.awslambda.models import lambda_backends

    from embedded_aws.compat.lambda_runtime import invoke_async

    _, region, account = _arn_parts(arn)
    function = lambda_backends[account][region].get_function(arn)
    try:
        event: Any = json.loads(text)
    except ValueError:
        event = text  # a transformer's plain-text template reaches Lambda as a string
    invoke_async(function, event)


def deliver(
    target: Mapping[str, Any],
    event: Mapping[str, Any],
    transform_input: bool,
    sender_account: str | None = None,
) -> None:
    if _is_bus(target["Arn"]):
        _forward_to_bus(sender_account or str(event.get("account")), target["Arn"], event)
        return
    text = target_input(target, event) if transform_input else json.dumps(delivered_event(event))
    service, _, _ = _arn_parts(target["Arn"])
    try:
        if service == "states":
            _start_execution(target["Arn"], text)
        else:
            _invoke_lambda(target["Arn"], text)
    except Exception as exc:
        raise TargetDeliveryError(f"cannot deliver to {target['Arn']}: {exc}") from exc


def install(embedded: EmbeddedAws) -> None:
    """Extend moto's target dispatch (idempotent)."""
    from moto.events.models import Rule

    if getattr(Rule.send_to_targets, _INSTALLED_MARK, False):
        return
    original = Rule.send_to_targets

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        if self.state == "DISABLED" or not self.event_pattern.matches_event(original_event):
            return
        ours = [target for target in self.targets if _is_ours(target)]
        theirs = [target for target in self.targets if not _is_ours(target)]
        if theirs:
            # moto's own kinds on a shallow copy, so the rule's target list is never mutated.
            rest = copy.copy(self)
            rest.targets = theirs
            original(rest, original_event, transform_input)
        for target in ours:
            try:
                deliver(target, original_event, transform_input, self.account_id)
            except TargetDeliveryError:
                # AWS does not fail PutEvents for a target it cannot reach.
                logger.warning("EventBridge delivery failed", exc_info=True)

    setattr(send_to_targets, _INSTALLED_MARK, True)
    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]
