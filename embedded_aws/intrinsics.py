"""CloudFormation template reading and intrinsic-function resolution, without AWS calls.

The embedded deployer resolves template.yaml exactly as CloudFormation would for the
subset a SAM application uses: parameters (types, defaults, constraints), pseudo
parameters, conditions, `Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::If`, `Fn::Join`,
`Fn::Select`, `Fn::Split`, `Fn::GetAZs`, `Fn::Cidr`, `Fn::FindInMap`, `Fn::Base64`,
and the YAML short forms (`!Ref`, `!Sub`, ...). Physical ids and attributes of created
resources come from the caller through `ResourceLookup`, so this module stays pure.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

NO_VALUE = object()
"""What `Ref: AWS::NoValue` resolves to; removed from the enclosing mapping or list."""

PSEUDO_PARAMETERS = (
    "AWS::Region",
    "AWS::AccountId",
    "AWS::StackName",
    "AWS::StackId",
    "AWS::Partition",
    "AWS::URLSuffix",
    "AWS::NoValue",
    "AWS::NotificationARNs",
)

_SHORT_FORMS = {
    "Ref": "Ref",
    "Condition": "Condition",
    **{
        name: f"Fn::{name}"
        for name in (
            "GetAtt",
            "Sub",
            "If",
            "Join",
            "Select",
            "Split",
            "GetAZs",
            "Cidr",
            "FindInMap",
            "ImportValue",
            "Equals",
            "Not",
            "And",
            "Or",
            "Base64",
        )
    },
}
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class TemplateError(ValueError):
    """The template cannot be resolved as CloudFormation would resolve it."""


class ParameterError(TemplateError):
    """A parameter value is missing or breaks the parameter's constraints."""


class UnsupportedIntrinsicError(TemplateError):
    """An intrinsic the embedded stack cannot resolve (for example Fn::ImportValue)."""


class DependencyCycleError(TemplateError):
    """Resources depend on each other in a circle."""


# -- YAML ------------------------------------------------------------------------------
class _TemplateLoader(yaml.SafeLoader):
    """SafeLoader that turns CloudFormation short forms into their long forms."""


def _construct_short_form(loader: _TemplateLoader, suffix: str, node: yaml.Node) -> Any:
    if suffix not in _SHORT_FORMS:
        raise TemplateError(f"unknown YAML tag !{suffix} at {node.start_mark}")
    name = _SHORT_FORMS[suffix]
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if name == "Fn::GetAtt":  # !GetAtt Resource.Attribute
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_TemplateLoader.add_multi_constructor("!", _construct_short_form)


def load_template(path: str | Path) -> dict[str, Any]:
    """Read a CloudFormation/SAM template (YAML or JSON) into plain long-form data."""
    text = Path(path).read_text(encoding="utf-8")
    return parse_template(text)


def parse_template(text: str) -> dict[str, Any]:
    data = yaml.load(text, Loader=_TemplateLoader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(data, dict):
        raise TemplateError("a template must be a mapping")
    return data


# -- parameters ----------------------------------------------------------------------
def _is_list_type(param_type: str) -> bool:
    return param_type == "CommaDelimitedList" or param_type.startswith("List<")


def resolve_parameters(
    declared: Mapping[str, Mapping[str, Any]], overrides: Mapping[str, str]
) -> dict[str, Any]:
    """Each parameter's value (string, or list for list types), checked like CloudFormation.

    Number parameters stay strings, as `Ref` returns them on AWS.
    """
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise ParameterError(f"overrides for undeclared parameters: {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        if name in overrides:
            raw = str(overrides[name])
        elif "Default" in spec:
            default = spec["Default"]
            raw = ",".join(map(str, default)) if isinstance(default, list) else str(default)
        else:
            raise ParameterError(f"parameter {name} has no default and no value was given")
        values[name] = _check_parameter(name, spec, raw)
    return values


def _check_parameter(name: str, spec: Mapping[str, Any], raw: str) -> Any:
    param_type = str(spec.get("Type", "String"))
    if _is_list_type(param_type):
        items = [item.strip() for item in raw.split(",")] if raw else []
        for item in items:
            _check_scalar(name, spec, item, "Number" if "Number" in param_type else "String")
        return items
    _check_scalar(name, spec, raw, param_type)
    return raw


def _check_scalar(name: str, spec: Mapping[str, Any], value: str, param_type: str) -> None:
    allowed = spec.get("AllowedValues")
    if allowed is not None and value not in [str(v) for v in allowed]:
        raise ParameterError(f"parameter {name}={value!r} is not one of {allowed}")
    pattern = spec.get("AllowedPattern")
    if pattern is not None and re.fullmatch(str(pattern), value) is None:
        raise ParameterError(f"parameter {name}={value!r} does not match {pattern!r}")
    if param_type == "Number":
        try:
            number = float(value)
        except ValueError as exc:
            raise ParameterError(f"parameter {name}={value!r} is not a number") from exc
        if "MinValue" in spec and number < float(spec["MinValue"]):
            raise ParameterError(f"parameter {name}={value} is below {spec['MinValue']}")
        if "MaxValue" in spec and number > float(spec["MaxValue"]):
            raise ParameterError(f"parameter {name}={value} is above {spec['MaxValue']}")
    if "MinLength" in spec and len(value) < int(spec["MinLength"]):
        raise ParameterError(f"parameter {name} is shorter than {spec['MinLength']}")
    if "MaxLength" in spec and len(value) > int(spec["MaxLength"]):
        raise ParameterError(f"parameter {name} is longer than {spec['MaxLength']}")


# -- resolution ----------------------------------------------------------------------
ResourceLookup = Callable[[str, str | None], Any]
"""(logical id, attribute or None for Ref) -> value; raises KeyError when unknown."""


def _no_resources(logical_id: str, attribute: str | None) -> Any:
    raise KeyError(logical_id)


@dataclass
class Resolver:
    """Resolves intrinsics of one template for one stack."""

    template: Mapping[str, Any]
    parameters: dict[str, Any]
    region: str = "us-east-1"
    account_id: str = "123456789012"
    stack_name: str = "lattice-ingress"
    # The UUID of AWS::StackId: new for each created stack (a stack deleted and created
    # again under the same name gets another), kept by its updates.
    stack_uuid: str = "00000000-0000-0000-0000-000000000000"
    resources: ResourceLookup = _no_resources
    availability_zones: list[str] = field(default_factory=list)
    conditions: dict[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.availability_zones:
            self.availability_zones = [f"{self.region}{s}" for s in "abc"]
        declared = self.template.get("Conditions") or {}
        for name in declared:
            self.condition(name)

    # pseudo parameters and conditions
    def pseudo(self, name: str) -> Any:
        partition = "aws-cn" if self.region.startswith("cn-") else "aws"
        values = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": (
                f"arn:{partition}:cloudformation:{self.region}:{self.account_id}"
                f":stack/{self.stack_name}/{self.stack_uuid}"
            ),
            "AWS::Partition": partition,
            "AWS::URLSuffix": "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com",
            "AWS::NoValue": NO_VALUE,
            "AWS::NotificationARNs": [],
        }
        return values[name]

    def condition(self, name: str, _seen: tuple[str, ...] = ()) -> bool:
        if name in self.conditions:
            return self.conditions[name]
        declared = self.template.get("Conditions") or {}
        if name not in declared:
            raise TemplateError(f"unknown condition {name}")
        if name in _seen:
            raise TemplateError(f"conditions refer to each other: {' -> '.join((*_seen, name))}")
        value = self._evaluate(declared[name], (*_seen, name))
        self.conditions[name] = value
        return value

    def _evaluate(self, expression: Any, seen: tuple[str, ...]) -> bool:
        if isinstance(expression, bool):
            return expression
        if not isinstance(expression, dict) or len(expression) != 1:
            raise TemplateError(f"not a condition function: {expression!r}")
        ((fn, arg),) = expression.items()
        if fn == "Condition":
            return self.condition(arg, seen)
        if fn == "Fn::Equals":
            left, right = (self.resolve(a) for a in arg)
            return str(left) == str(right)
        if fn == "Fn::Not":
            return not self._evaluate(arg[0], seen)
        if fn == "Fn::And":
            return all(self._evaluate(a, seen) for a in arg)
        if fn == "Fn::Or":
            return any(self._evaluate(a, seen) for a in arg)
        raise TemplateError(f"{fn} is not a condition function")

    # values
    def resolve(self, value: Any) -> Any:
        """Resolve every intrinsic inside `value`; AWS::NoValue entries are dropped."""
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" or key.startswith("Fn::"):
                return self._intrinsic(key, arg)
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def ref(self, name: str) -> Any:
        if name in PSEUDO_PARAMETERS:
            return self.pseudo(name)
        if name in self.parameters:
            return self.parameters[name]
        try:
            return self.resources(name, None)
        except KeyError as exc:
            raise TemplateError(f"Ref to unknown or not yet created {name}") from exc

    def get_att(self, logical_id: str, attribute: str) -> Any:
        try:
            return self.resources(logical_id, attribute)
        except KeyError as exc:
            raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute} is unknown") from exc

    def _intrinsic(self, fn: str, arg: Any) -> Any:
        if fn == "Ref":
            return self.ref(arg)
        if fn == "Fn::GetAtt":
            parts = arg.split(".", 1) if isinstance(arg, str) else self.resolve(arg)
            return self.get_att(parts[0], parts[1])
        if fn == "Fn::Sub":
            return self._sub(arg)
        if fn == "Fn::If":
            name, when_true, when_false = arg
            return self.resolve(when_true if self.condition(name) else when_false)
        if fn == "Fn::Join":
            delimiter, items = arg
            return str(delimiter).join(str(i) for i in self._list(items))
        if fn == "Fn::Select":
            index, items = self.resolve(arg[0]), self._list(arg[1])
            try:
                return items[int(index)]
            except (IndexError, ValueError) as exc:
                raise TemplateError(f"Fn::Select index {index!r} out of range") from exc
        if fn == "Fn::Split":
            delimiter, source = arg
            return str(self.resolve(source)).split(str(delimiter))
        if fn == "Fn::GetAZs":
            return list(self.availability_zones)
        if fn == "Fn::Cidr":
            return cidr(*(self.resolve(a) for a in arg))
        if fn == "Fn::FindInMap":
            return self._find_in_map(*(self.resolve(a) for a in arg))
        if fn == "Fn::Base64":
            return base64.b64encode(str(self.resolve(arg)).encode()).decode()
        if fn in ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or"):
            return self._evaluate({fn: arg}, ())
        if fn == "Fn::ImportValue":
            raise UnsupportedIntrinsicError(
                "Fn::ImportValue needs another stack's exports; pass the value as a parameter"
            )
        raise UnsupportedIntrinsicError(f"{fn} is not supported by the embedded deployer")

    def _list(self, items: Any) -> list[Any]:
        resolved = self.resolve(items)
        if not isinstance(resolved, list):
            raise TemplateError(f"expected a list, got {resolved!r}")
        return resolved

    def _find_in_map(self, map_name: str, top: str, second: str) -> Any:
        try:
            return self.template["Mappings"][map_name][top][second]
        except KeyError as exc:
            raise TemplateError(f"Fn::FindInMap {map_name}/{top}/{second} not found") from exc

    def _sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            text, variables = arg[0], {k: self.resolve(v) for k, v in arg[1].items()}
        else:
            text, variables = arg, {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):  # ${!Literal} stays as ${Literal}
                return "${" + name[1:] + "}"
            if name in variables:
                value = variables[name]
            elif "." in name and name.split(".", 1)[0] not in PSEUDO_PARAMETERS:
                logical_id, attribute = name.split(".", 1)
                value = self.get_att(logical_id, attribute)
            else:
                value = self.ref(name)
            if isinstance(value, list):
                return ",".join(map(str, value))
            return str(value)

        return _SUB_VARIABLE.sub(replace, str(text))


def cidr(ip_block: str, count: Any, cidr_bits: Any) -> list[str]:
    """Fn::Cidr: `count` subnets of `ip_block`, each with `cidr_bits` host bits."""
    network = ipaddress.ip_network(str(ip_block), strict=False)
    prefix = network.max_prefixlen - int(cidr_bits)
    if prefix < network.prefixlen:
        raise TemplateError(f"Fn::Cidr: {cidr_bits} host bits do not fit in {ip_block}")
    subnets: list[str] = []
    for subnet in network.subnets(new_prefix=prefix):
        if len(subnets) == int(count):
            break
        subnets.append(str(subnet))
    if len(subnets) < int(count):
        raise TemplateError(f"Fn::Cidr: {ip_block} holds fewer than {count} subnets")
    return subnets


# -- dependencies --------------------------------------------------------------------
def references(value: Any) -> set[str]:
    """Names this value refers to through Ref, Fn::GetAtt and Fn::Sub (may include params)."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                found.add(arg.split(".", 1)[0] if isinstance(arg, str) else str(arg[0]))
            elif key == "Fn::Sub":
                text, variables = (arg[0], arg[1]) if isinstance(arg, list) else (arg, {})
                for name in _SUB_VARIABLE.findall(str(text)):
                    if not name.startswith("!") and name not in variables:
                        found.add(name.split(".", 1)[0])
                found |= references(variables)
            else:
                found |= references(arg)
    return found


_SAM_ROLE_OWNERS = frozenset({"AWS::Serverless::Function", "AWS::Serverless::StateMachine"})


def implicit_roles(resources: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """`<LogicalId>Role` -> LogicalId for each SAM function or state machine without a
    `Role`: SAM generates that role, and a template may refer to it (`!GetAtt XRole.Arn`)."""
    return {
        f"{lid}Role": lid
        for lid, body in resources.items()
        if body.get("Type") in _SAM_ROLE_OWNERS and not (body.get("Properties") or {}).get("Role")
    }


def dependencies(
    logical_id: str,
    resource: Mapping[str, Any],
    known: Iterable[str],
    implicit: Mapping[str, str] | None = None,
) -> set[str]:
    """The resources `logical_id` must wait for: its references plus DependsOn (a generated
    role stands for the resource that generates it)."""
    depends_on = resource.get("DependsOn") or []
    if isinstance(depends_on, str):
        depends_on = [depends_on]
    body = {k: v for k, v in resource.items() if k != "DependsOn"}
    implicit = implicit or {}
    named = {implicit.get(name, name) for name in references(body) | set(depends_on)}
    return named & set(known) - {logical_id}


def undeclared_references(template: Mapping[str, Any]) -> set[str]:
    """Names referenced anywhere in the template that are neither parameters, resources
    nor pseudo parameters (CloudFormation rejects such a template)."""
    declared = (
        set(template.get("Parameters") or {})
        | set(template.get("Resources") or {})
        | set(implicit_roles(template.get("Resources") or {}))
        | set(PSEUDO_PARAMETERS)
    )
    used = references([template.get(k) for k in ("Resources", "Outputs", "Conditions", "Globals")])
    return used - declared


def creation_order(resources: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Logical ids in an order where each comes after what it depends on (template order
    otherwise, so deployments are repeatable)."""
    implicit = implicit_roles(resources)
    graph = {lid: dependencies(lid, body, resources, implicit) for lid, body in resources.items()}
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(lid: str, path: list[str]) -> None:
        if state.get(lid) == "done":
            return
        if state.get(lid) == "visiting":
            cycle = [*path[path.index(lid) :], lid]
            raise DependencyCycleError(f"circular dependency: {' -> '.join(cycle)}")
        state[lid] = "visiting"
        for dep in sorted(graph[lid], key=list(resources).index):
            visit(dep, [*path, lid])
        state[lid] = "done"
        order.append(lid)

    for lid in resources:
        visit(lid, [])
    return order
