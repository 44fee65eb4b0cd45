"""Intrinsic functions, parameters, conditions and dependency order, without AWS."""

from __future__ import annotations

from typing import Any

import pytest

from embedded_aws.intrinsics import (
    NO_VALUE,
    DependencyCycleError,
    ParameterError,
    Resolver,
    TemplateError,
    UnsupportedIntrinsicError,
    cidr,
    creation_order,
    parse_template,
    resolve_parameters,
    undeclared_references,
)

TEMPLATE = """
Parameters:
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Port: {Type: Number, Default: 443, MinValue: 1, MaxValue: 65535}
  Cidrs: {Type: CommaDelimitedList, Default: "10.0.0.0/8, 192.168.0.0/16"}
  Name: {Type: String, AllowedPattern: "^[a-z]+$", Default: abc}
Mappings:
  Sizes: {dev: {Memory: 128}, prod: {Memory: 1024}}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsDev, !Equals [!Ref Port, 443]]
  Either: !Or [!Condition IsProd, !Equals [a, b]]
Resources:
  Bucket: {Type: AWS::S3::Bucket}
"""


def resolver(overrides: dict[str, str] | None = None, **resources: Any) -> Resolver:
    template = parse_template(TEMPLATE)
    params = resolve_parameters(template["Parameters"], overrides or {})

    def lookup(logical_id: str, attribute: str | None) -> Any:
        return (
            resources[logical_id] if attribute is None else resources[f"{logical_id}.{attribute}"]
        )

    return Resolver(template, params, stack_name="demo", resources=lookup)


def resolve(text: str, **resources: Any) -> Any:
    return resolver(**resources).resolve(parse_template(f"v: {text}")["v"])


# -- YAML short forms ---------------------------------------------------------------------
def test_given_short_forms_when_loaded_then_they_become_long_forms() -> None:
    data = parse_template("a: !Ref X\nb: !GetAtt R.Arn\nc: !Sub [x, {}]\nd: !If [C, 1, 2]")
    assert data == {
        "a": {"Ref": "X"},
        "b": {"Fn::GetAtt": ["R", "Arn"]},
        "c": {"Fn::Sub": ["x", {}]},
        "d": {"Fn::If": ["C", 1, 2]},
    }


def test_given_an_unknown_tag_when_loaded_then_template_error() -> None:
    with pytest.raises(TemplateError, match="!Bogus"):
        parse_template("a: !Bogus x")


# -- parameters -----------------------------------------------------------------------------
def test_given_no_overrides_when_resolved_then_defaults_and_types_apply() -> None:
    params = resolve_parameters(parse_template(TEMPLATE)["Parameters"], {})
    assert params == {
        "Stage": "dev",
        "Port": "443",  # Ref returns numbers as strings on AWS too
        "Cidrs": ["10.0.0.0/8", "192.168.0.0/16"],
        "Name": "abc",
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"Stage": "test"}, "not one of"),
        ({"Name": "ABC"}, "does not match"),
        ({"Port": "http"}, "not a number"),
        ({"Port": "70000"}, "above"),
        ({"Nope": "x"}, "undeclared"),
    ],
)
def test_given_a_bad_override_when_resolved_then_a_clear_parameter_error(
    overrides: dict[str, str], message: str
) -> None:
    with pytest.raises(ParameterError, match=message):
        resolve_parameters(parse_template(TEMPLATE)["Parameters"], overrides)


def test_given_a_parameter_without_default_when_not_overridden_then_error() -> None:
    with pytest.raises(ParameterError, match="Zone has no default"):
        resolve_parameters({"Zone": {"Type": "String"}}, {})


# -- pseudo parameters and conditions ---------------------------------------------------------
def test_given_pseudo_parameters_when_referenced_then_stack_values() -> None:
    assert resolve("!Ref AWS::Region") == "us-east-1"
    assert resolve("!Ref AWS::AccountId") == "123456789012"
    assert resolve("!Ref AWS::StackName") == "demo"
    assert resolve("!Ref AWS::Partition") == "aws"
    assert resolve("!Ref AWS::URLSuffix") == "amazonaws.com"


def test_given_no_value_when_in_a_map_or_list_then_the_entry_disappears() -> None:
    assert resolve("{a: 1, b: !Ref AWS::NoValue}") == {"a": 1}
    assert resolve("[1, !If [IsProd, 2, !Ref AWS::NoValue]]") == [1]
    assert resolver().ref("AWS::NoValue") is NO_VALUE


def test_given_conditions_when_evaluated_then_equals_not_and_or_condition_work() -> None:
    dev = resolver()
    assert dev.conditions == {"IsProd": False, "IsDev": True, "Both": True, "Either": False}
    prod = resolver({"Stage": "prod"})
    assert prod.conditions == {"IsProd": True, "IsDev": False, "Both": False, "Either": True}


def test_given_circular_conditions_when_evaluated_then_error() -> None:
    template = parse_template("Conditions: {A: !Condition B, B: !Not [!Condition A]}")
    with pytest.raises(TemplateError, match="conditions refer to each other"):
        Resolver(template, {})


# -- functions --------------------------------------------------------------------------------
def test_given_ref_and_getatt_when_resolved_then_resource_values() -> None:
    resources = {"Bucket": "my-bucket", "Bucket.Arn": "arn:aws:s3:::my-bucket"}
    assert resolve("!Ref Bucket", **resources) == "my-bucket"
    assert resolve("!GetAtt Bucket.Arn", **resources) == "arn:aws:s3:::my-bucket"
    assert resolve("{'Fn::GetAtt': [Bucket, Arn]}", **resources) == "arn:aws:s3:::my-bucket"


def test_given_a_ref_to_nothing_when_resolved_then_template_error() -> None:
    with pytest.raises(TemplateError, match="Ghost"):
        resolve("!Ref Ghost")


def test_given_sub_when_resolved_then_params_pseudo_attrs_variables_and_literals() -> None:
    resources = {"Bucket": "b", "Bucket.Arn": "arn:aws:s3:::b"}
    text = "'${Stage}-${AWS::Region}-${Bucket}-${Bucket.Arn}-${!Literal}'"
    assert resolve(f"!Sub {text}", **resources) == "dev-us-east-1-b-arn:aws:s3:::b-${Literal}"
    assert resolve("!Sub ['${X}/${Stage}', {X: !Ref Port}]") == "443/dev"


def test_given_if_when_resolved_then_the_branch_of_the_condition() -> None:
    assert resolve("!If [IsProd, big, small]") == "small"


def test_given_join_select_split_when_resolved_then_list_functions_work() -> None:
    assert resolve("!Join [',', !Ref Cidrs]") == "10.0.0.0/8,192.168.0.0/16"
    assert resolve("!Select [1, !Ref Cidrs]") == "192.168.0.0/16"
    assert resolve("!Split ['.', a.b.c]") == ["a", "b", "c"]
    with pytest.raises(TemplateError, match="out of range"):
        resolve("!Select [5, [a]]")


def test_given_getazs_and_cidr_when_resolved_then_zones_and_subnets() -> None:
    assert resolve("!GetAZs ''") == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert resolve("!Cidr [10.0.0.0/16, 3, 8]") == ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]
    assert cidr("fd00::/56", 2, 64) == ["fd00::/64", "fd00:0:0:1::/64"]
    with pytest.raises(TemplateError, match="fewer"):
        cidr("10.0.0.0/30", 8, 1)


def test_given_findinmap_and_base64_when_resolved_then_values() -> None:
    assert resolve("!FindInMap [Sizes, !Ref Stage, Memory]") == 128
    assert resolve("!Base64 hi") == "aGk="
    with pytest.raises(TemplateError, match="not found"):
        resolve("!FindInMap [Sizes, test, Memory]")


def test_given_importvalue_when_resolved_then_unsupported_error() -> None:
    with pytest.raises(UnsupportedIntrinsicError, match="ImportValue"):
        resolve("!ImportValue shared-vpc")


# -- dependency order -------------------------------------------------------------------------
def test_given_ref_getatt_sub_and_dependson_when_ordered_then_dependencies_first() -> None:
    resources = parse_template(
        """
        Service: {Type: T, DependsOn: Listener, Properties: {Cluster: !Ref Cluster}}
        Listener: {Type: T, Properties: {Arn: !GetAtt Nlb.Arn}}
        Nlb: {Type: T, Properties: {Name: !Sub "${Prefix.Name}-nlb"}}
        Cluster: {Type: T}
        Prefix: {Type: T, Properties: {Stage: !Ref Stage}}
        """
    )
    order = creation_order(resources)
    assert order.index("Prefix") < order.index("Nlb") < order.index("Listener")
    assert order.index("Listener") < order.index("Service")
    assert order.index("Cluster") < order.index("Service")


def test_given_a_sam_generated_role_referenced_then_declared_and_ordered_after_its_function() -> (
    None
):
    """SAM lets a template name `<Function>Role` (template.yaml's bucket policy does)."""
    resources = parse_template(
        """
        Policy: {Type: AWS::S3::BucketPolicy, Properties: {P: !GetAtt RenderFunctionRole.Arn}}
        RenderFunction: {Type: AWS::Serverless::Function, Properties: {Handler: app.h}}
        Named: {Type: AWS::Serverless::Function, Properties: {Role: arn:aws:iam::1:role/x}}
        """
    )
    order = creation_order(resources)
    assert order.index("RenderFunction") < order.index("Policy")
    assert undeclared_references({"Resources": resources}) == set()
    named = {"Resources": {**resources, "P2": {"Properties": {"A": {"Ref": "NamedRole"}}}}}
    assert undeclared_references(named) == {"NamedRole"}  # it has a Role: SAM makes none


def test_given_a_cycle_when_ordered_then_a_clear_error_names_it() -> None:
    resources = parse_template(
        "A: {Properties: {X: !Ref B}}\nB: {Properties: {X: !GetAtt C.Arn}}\nC: {DependsOn: A}"
    )
    with pytest.raises(DependencyCycleError, match="A -> B -> C -> A"):
        creation_order(resources)
