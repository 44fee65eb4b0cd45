"""What creators work with: the deploy context, `Created`, `DeployError`, the parameter
coercion CloudFormation applies, and the creator registry (`@creator`, `CREATORS`)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.client import BaseClient

    from embedded_aws.server import EmbeddedAws

# The package's logger, so records keep the name they had before the split (`local serve`
# prints it); the creators and the engine import this one.
logger = logging.getLogger(__package__)


class DeployError(RuntimeError):
    """A resource could not be created (for a reason other than a gap in the emulator)."""


@dataclass
class Created:
    """A resource in the embedded stack: what `Ref` and `Fn::GetAtt` return."""

    resource_type: str
    physical_id: str
    attributes: dict[str, Any] = field(default_factory=dict)
    skipped: bool = False
    # The resolved properties it was created (or last updated) with: an update compares
    # them with the new ones to decide whether the resource changes at all.
    properties: dict[str, Any] = field(default_factory=dict)
    # What SAM generated along with it (its `<LogicalId>Role`, event rules): deleted with it.
    implicit: dict[str, Created] = field(default_factory=dict)

    def attribute(self, name: str) -> Any:
        if name in self.attributes:
            return self.attributes[name]
        if self.skipped:  # placeholders keep dependants deployable
            return f"{self.physical_id}/{name}"
        raise KeyError(name)


@dataclass
class DeployContext:
    """What a creator needs: emulator clients, names, paths and implicit resources."""

    embedded: EmbeddedAws
    stack_name: str
    template_dir: Path
    enable_schedules: bool
    layer_dirs: dict[str, Path] = field(default_factory=dict)
    implicit: dict[str, Created] = field(default_factory=dict)
    scheduled_rules: list[tuple[str, str]] = field(default_factory=list)
    skipped_events: dict[str, str] = field(default_factory=dict)
    rules: list[tuple[str, str]] = field(default_factory=list)  # (name, event bus)
    stack_id: str = ""  # the AWS::StackId value (custom resource requests carry it)
    _clients: dict[str, BaseClient] = field(default_factory=dict)

    @property
    def region(self) -> str:
        return self.embedded.region

    @property
    def account_id(self) -> str:
        return self.embedded.account_id

    def client(self, service: str) -> BaseClient:
        if service not in self._clients:
            client = self.embedded.client(service)
            client.meta.events.register("provide-client-params.*.*", _coerce_params)
            self._clients[service] = client
        return self._clients[service]

    def name(self, logical_id: str, max_length: int = 64, lower: bool = False) -> str:
        """A physical name shaped like CloudFormation's: stack-logical-suffix, bounded."""
        suffix = uuid.uuid4().hex[:12].upper()
        room = max_length - len(suffix) - 2
        # Short limits (ELB: 32) keep a part of both names, as CloudFormation does.
        stack = self.stack_name[: max(room // 2, room - len(logical_id))].strip("-")
        value = f"{stack}-{logical_id[: room - len(stack)]}-{suffix}"
        return value.lower() if lower else value

    def path(self, relative: str) -> Path:
        path = (self.template_dir / relative).resolve()
        if not path.exists():
            raise DeployError(f"{relative} does not exist next to the template")
        return path


def _coerce_params(params: dict[str, Any], model: Any, **_: Any) -> dict[str, Any]:
    """CloudFormation converts property values to the API's types ("443" -> 443,
    "true" -> True, 443 -> "443"); boto3 does not, so creators' calls get the same
    conversion, driven by the operation's input shape."""
    return dict(_coerce(params, model.input_shape)) if model.input_shape is not None else params


def _coerce(value: Any, shape: Any) -> Any:
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members = shape.members
        return {k: _coerce(v, members[k]) if k in members else v for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [_coerce(item, shape.member) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _coerce(v, shape.value) for k, v in value.items()}
    if kind in ("integer", "long") and isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    if kind in ("float", "double") and isinstance(value, str | int):
        return float(value)
    if kind == "boolean" and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if kind == "string" and isinstance(value, bool):
        return str(value).lower()
    if kind == "string" and isinstance(value, int | float):
        return str(value)
    return value


Creator = Callable[[DeployContext, str, dict[str, Any]], Created]
CREATORS: dict[str, Creator] = {}
# Deleters undo a creator; updaters change a resource in place (old, new properties) and
# return it. A changed type without an updater is replaced, as CloudFormation replaces
# resources whose changed property "requires replacement".
Deleter = Callable[[DeployContext, str, Created], None]
Updater = Callable[[DeployContext, str, Created, dict[str, Any]], Created]
DELETERS: dict[str, Deleter] = {}
UPDATERS: dict[str, Updater] = {}


def creator(*resource_types: str) -> Callable[[Creator], Creator]:
    def register(func: Creator) -> Creator:
        for resource_type in resource_types:
            CREATORS[resource_type] = func
        return func

    return register


def deleter(*resource_types: str) -> Callable[[Deleter], Deleter]:
    def register(func: Deleter) -> Deleter:
        for resource_type in resource_types:
            DELETERS[resource_type] = func
        return func

    return register


def updater(*resource_types: str) -> Callable[[Updater], Updater]:
    def register(func: Updater) -> Updater:
        for resource_type in resource_types:
            UPDATERS[resource_type] = func
        return func

    return register
