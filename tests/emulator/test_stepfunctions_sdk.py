"""aws-sdk tasks written as real AWS expects them run against the emulator as on AWS."""

from __future__ import annotations

import json

import pytest

from embedded_aws.compat import faults
from embedded_aws.compat.stepfunctions import (
    boto_service_name,
    sdk_client_prefix,
    sdk_error_name,
    sfn_key,
    to_boto_params,
)

from .emulator_support import ROLE_ARN, Emulator, output_of, unique

SDK = "arn:aws:states:::aws-sdk:"


def catching(task: dict, errors: list[str]) -> dict:
    """A machine whose Task routes the listed errors to a Pass state that returns them."""
    return {
        "StartAt": "Task",
        "States": {
            "Task": {
                **task,
                "Catch": [{"ErrorEquals": errors, "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Pass", "End": True},
        },
    }


# -- parameters in, results out ---------------------------------------------------------------
def test_given_pascalcase_change_batch_when_route53_task_runs_then_record_is_written(
    emulator: Emulator,
):
    route53 = emulator.client("route53")
    zone_id = route53.create_hosted_zone(Name="sdk.example.com", CallerReference=unique("z"))[
        "HostedZone"
    ]["Id"].split("/")[-1]

    execution = emulator.run_task(
        {
            "Type": "Task",
            "Resource": f"{SDK}route53:changeResourceRecordSets",
            "Parameters": {
                "HostedZoneId": zone_id,
                "ChangeBatch": {
                    "Changes": [
                        {
                            "Action": "UPSERT",
                            "ResourceRecordSet": {
                                "Name": "orders.sdk.example.com",
                                "Type": "CNAME",
                                "TTL": 60,
                                "ResourceRecords": [{"Value": "orders-0a1.vpc-lattice-svcs"}],
                            },
                        }
                    ]
                },
            },
        }
    )

    change_info = output_of(execution)["ChangeInfo"]
    assert change_info["Status"] in {"PENDING", "INSYNC"}
    assert change_info["SubmittedAt"].endswith("Z")  # a timestamp, serialised as ISO-8601
    records = route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    assert ("orders.sdk.example.com.", "CNAME") in {(r["Name"], r["Type"]) for r in records}


def test_given_camelcase_model_when_ecs_tasks_run_then_pascalcase_params_bind_and_results_are_pascalcase(  # noqa: E501
    emulator: Emulator,
):
    ecs = emulator.client("ecs")
    cluster = unique("cluster")
    ecs.create_cluster(clusterName=cluster)
    ecs.register_task_definition(
        family="proxy", containerDefinitions=[{"name": "nginx", "image": "nginx", "memory": 128}]
    )
    ecs.create_service(cluster=cluster, serviceName="proxy", taskDefinition="proxy", desiredCount=1)

    execution = emulator.run(
        {
            "StartAt": "Rollout",
            "States": {
                "Rollout": {
                    "Type": "Task",
                    "Resource": f"{SDK}ecs:updateService",
                    "Parameters": {
                        "Cluster": cluster,
                        "Service": "proxy",
                        "ForceNewDeployment": True,
                    },
                    "ResultPath": None,
                    "Next": "Describe",
                },
                "Describe": {
                    "Type": "Task",
                    "Resource": f"{SDK}ecs:describeServices",
                    "Parameters": {"Cluster": cluster, "Services": ["proxy"]},
                    "ResultSelector": {"Deployments.$": "$.Services[0].Deployments"},
                    "End": True,
                },
            },
        }
    )

    deployments = output_of(execution)["Deployments"]
    assert isinstance(deployments[0], dict)  # one list of deployments, not a list of lists
    assert {"Id", "Status", "TaskDefinition", "CreatedAt"} <= set(deployments[0])
    assert deployments[0]["CreatedAt"].endswith("Z")
    assert "PRIMARY" in {deployment["Status"] for deployment in deployments}


def test_given_vpclattice_service_name_when_tasks_run_then_boto_vpc_lattice_is_called(
    emulator: Emulator,
):
    name = unique("sn")

    execution = emulator.run(
        {
            "StartAt": "Create",
            "States": {
                "Create": {
                    "Type": "Task",
                    "Resource": f"{SDK}vpclattice:createServiceNetwork",
                    "Parameters": {"Name": name},
                    "ResultPath": "$.created",
                    "Next": "List",
                },
                "List": {
                    "Type": "Task",
                    "Resource": f"{SDK}vpclattice:listServiceNetworks",
                    "Parameters": {},
                    "ResultPath": "$.listed",
                    "Next": "Associations",
                },
                "Associations": {
                    "Type": "Task",
                    "Resource": f"{SDK}vpclattice:listServiceNetworkServiceAssociations",
                    "Parameters": {"ServiceNetworkIdentifier.$": "$.created.Id"},
                    "ResultPath": "$.associations",
                    "End": True,
                },
            },
        }
    )

    output = output_of(execution)
    assert output["created"]["Name"] == name
    assert output["created"]["Arn"].startswith("arn:aws:vpc-lattice:")
    assert name in {item["Name"] for item in output["listed"]["Items"]}
    assert output["associations"]["Items"] == []


def test_given_s3_put_when_get_object_task_runs_then_body_is_a_string(emulator: Emulator):
    bucket = unique("sdk-bucket")
    emulator.client("s3").create_bucket(Bucket=bucket)

    execution = emulator.run(
        {
            "StartAt": "Put",
            "States": {
                "Put": {
                    "Type": "Task",
                    "Resource": f"{SDK}s3:putObject",
                    "Parameters": {"Bucket": bucket, "Key": "catalog.json", "Body": {"n": 1}},
                    "ResultPath": None,
                    "Next": "Get",
                },
                "Get": {
                    "Type": "Task",
                    "Resource": f"{SDK}s3:getObject",
                    "Parameters": {"Bucket": bucket, "Key": "catalog.json"},
                    "End": True,
                },
            },
        }
    )

    output = output_of(execution)
    assert json.loads(output["Body"]) == {"n": 1}  # a JSON Body is written as its text
    assert output["LastModified"].endswith("Z")


def test_given_item_attribute_names_when_dynamodb_tasks_run_then_map_keys_are_kept(
    emulator: Emulator,
):
    table = unique("lease")
    emulator.client("dynamodb").create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )

    execution = emulator.run(
        {
            "StartAt": "Put",
            "States": {
                "Put": {
                    "Type": "Task",
                    "Resource": f"{SDK}dynamodb:putItem",
                    "Parameters": {
                        "TableName": table,
                        "Item": {"pk": {"S": "lease"}, "holder": {"S.$": "$.holder"}},
                    },
                    "ResultPath": None,
                    "Next": "Get",
                },
                "Get": {
                    "Type": "Task",
                    "Resource": f"{SDK}dynamodb:getItem",
                    "Parameters": {"TableName": table, "Key": {"pk": {"S": "lease"}}},
                    "End": True,
                },
            },
        },
        {"holder": "exec-1"},
    )

    assert output_of(execution)["Item"] == {"pk": {"S": "lease"}, "holder": {"S": "exec-1"}}


# -- error names ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def error_targets(emulator: Emulator) -> dict[str, str]:
    cluster = unique("cluster")
    emulator.client("ecs").create_cluster(clusterName=cluster)
    bucket = unique("err-bucket")
    emulator.client("s3").create_bucket(Bucket=bucket)
    table = unique("err-table")
    dynamodb = emulator.client("dynamodb")
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "lease"}})
    return {"cluster": cluster, "bucket": bucket, "table": table}


ERROR_CASES = {
    "Route53.NoSuchHostedZoneException": ("route53:getHostedZone", {"Id": "ZNOSUCHZONE"}),
    "Ecs.ServiceNotFoundException": (
        "ecs:updateService",
        {"Cluster": "{cluster}", "Service": "missing", "ForceNewDeployment": True},
    ),
    "S3.NoSuchKeyException": ("s3:getObject", {"Bucket": "{bucket}", "Key": "missing"}),
    "DynamoDb.ConditionalCheckFailedException": (
        "dynamodb:putItem",
        {
            "TableName": "{table}",
            "Item": {"pk": {"S": "lease"}},
            "ConditionExpression": "attribute_not_exists(pk)",
        },
    ),
    "VpcLattice.ResourceNotFoundException": (
        "vpclattice:getServiceNetwork",
        {"ServiceNetworkIdentifier": "sn-0123456789abcdef0"},
    ),
    "Sns.NotFoundException": (
        "sns:publish",
        {"TopicArn": "arn:aws:sns:us-east-1:123456789012:missing", "Message": "x"},
    ),
}


@pytest.mark.parametrize("expected", sorted(ERROR_CASES))
def test_given_failing_sdk_call_when_catch_names_aws_error_then_it_is_caught(
    emulator: Emulator, error_targets: dict[str, str], expected: str
):
    action, parameters = ERROR_CASES[expected]
    text = json.dumps(parameters)
    for name, value in error_targets.items():
        text = text.replace(f"{{{name}}}", value)
    parameters = json.loads(text)

    execution = emulator.run(
        catching(
            {"Type": "Task", "Resource": f"{SDK}{action}", "Parameters": parameters}, [expected]
        )
    )

    caught = output_of(execution)
    assert caught["Error"] == expected
    assert f"Service: {expected.split('.')[0]}" in caught["Cause"]


def test_given_unmodelled_error_code_when_task_fails_then_error_is_service_exception(
    emulator: Emulator,
):
    faults.inject("route53", "ListHostedZones", "Throttling", count=1)

    execution = emulator.run_task(
        {"Type": "Task", "Resource": f"{SDK}route53:listHostedZones", "Parameters": {}}
    )

    assert execution["status"] == "FAILED"
    assert execution["error"] == "Route53.Route53Exception"


def test_given_transient_unmodelled_error_when_retry_names_it_then_task_succeeds(
    emulator: Emulator,
):
    faults.inject("route53", "ListHostedZones", "Throttling", count=1)

    execution = emulator.run_task(
        {
            "Type": "Task",
            "Resource": f"{SDK}route53:listHostedZones",
            "Parameters": {},
            "Retry": [
                {
                    "ErrorEquals": ["Route53.Route53Exception"],
                    "IntervalSeconds": 1,
                    "MaxAttempts": 2,
                }
            ],
        }
    )

    assert "HostedZones" in output_of(execution)


# -- JSONPath and executions ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.Services[0].Deployments", [{"Id": "d1"}, {"Id": "d2"}]),
        ("$.Services[0].Deployments[1].Id", "d2"),
        ("$.Services[0]", {"Deployments": [{"Id": "d1"}, {"Id": "d2"}]}),
        ("$.Services[*].Deployments[0].Id", ["d1"]),
        ("$.Services[0].Deployments[*].Id", ["d1", "d2"]),
    ],
)
def test_given_jsonpath_when_pass_state_selects_then_definite_paths_return_the_value(
    emulator: Emulator, path: str, expected: object
):
    payload = {"Services": [{"Deployments": [{"Id": "d1"}, {"Id": "d2"}]}]}

    execution = emulator.run(
        {
            "StartAt": "Select",
            "States": {"Select": {"Type": "Pass", "InputPath": path, "End": True}},
        },
        payload,
    )

    assert output_of(execution) == expected


def test_given_no_execution_name_when_started_twice_then_both_run_with_distinct_names(
    emulator: Emulator,
):
    sfn = emulator.client("stepfunctions")
    arn = emulator.create_state_machine(
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    )

    first = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    second = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]

    assert first != second
    assert emulator.wait_for(first)["status"] == emulator.wait_for(second)["status"] == "SUCCEEDED"
    assert ROLE_ARN  # the machines were created with the test role


# -- the pure translation, from the botocore model --------------------------------------------
@pytest.mark.parametrize(
    ("sfn_name", "boto_name", "prefix"),
    [
        ("vpclattice", "vpc-lattice", "VpcLattice"),
        ("route53", "route53", "Route53"),
        ("s3", "s3", "S3"),
        ("ecs", "ecs", "Ecs"),
        ("dynamodb", "dynamodb", "DynamoDb"),
        ("sns", "sns", "Sns"),
        ("ec2", "ec2", "Ec2"),
        ("sfn", "stepfunctions", "Sfn"),
        ("cloudwatchlogs", "logs", "CloudWatchLogs"),
        ("eventbridge", "events", "EventBridge"),
        ("elasticloadbalancingv2", "elbv2", "ElasticLoadBalancingV2"),
        ("acmpca", "acm-pca", "AcmPca"),
    ],
)
def test_given_sfn_service_name_when_resolved_then_boto_name_and_error_prefix_match_aws(
    sfn_name: str, boto_name: str, prefix: str
):
    assert boto_service_name(sfn_name) == boto_name
    assert sdk_client_prefix(boto_name) == prefix


def test_given_mixed_case_keys_when_bound_then_model_member_names_are_used():
    from embedded_aws.compat.stepfunctions import operation_model

    shape = operation_model("route53", "changeResourceRecordSets").input_shape
    bound = to_boto_params(
        {"HostedZoneId": "Z1", "ChangeBatch": {"Changes": [{"ResourceRecordSet": {"Ttl": 5}}]}},
        shape,
    )

    assert bound["ChangeBatch"]["Changes"][0]["ResourceRecordSet"] == {"TTL": 5}
    assert sfn_key("serviceNetworkIdentifier") == "ServiceNetworkIdentifier"


def test_given_unmodelled_client_error_when_named_then_service_exception_is_used():
    from botocore.exceptions import ClientError

    error = ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "ListZones")

    assert sdk_error_name("route53", error) == "Route53.Route53Exception"


# -- JSONata ----------------------------------------------------------------------------------
def test_given_jsonata_machine_when_it_runs_then_arguments_conditions_and_outputs_evaluate(
    emulator: Emulator,
):
    bucket = unique("jsonata")
    emulator.client("s3").create_bucket(Bucket=bucket)

    execution = emulator.run(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "Put",
            "States": {
                "Put": {
                    "Type": "Task",
                    "Resource": f"{SDK}s3:putObject",
                    "Arguments": {
                        "Bucket": "{% $states.input.bucket %}",
                        "Key": "{% 'names/' & $join($states.input.names, '-') %}",
                        "Body": "{% $string($count($states.input.names)) %}",
                    },
                    "Assign": {
                        "bucket": "{% $states.input.bucket %}",
                        "names": "{% $states.input.names %}",
                        "key": "{% 'names/' & $join($states.input.names, '-') %}",
                    },
                    "Next": "Many?",
                },
                "Many?": {
                    "Type": "Choice",
                    "Choices": [{"Condition": "{% $count($names) > 1 %}", "Next": "Get"}],
                    "Default": "Few",
                },
                "Few": {"Type": "Fail", "Error": "Few"},
                "Get": {
                    "Type": "Task",
                    "Resource": f"{SDK}s3:getObject",
                    "Arguments": {"Bucket": "{% $bucket %}", "Key": "{% $key %}"},
                    "Output": {"key": "{% $key %}", "count": "{% $number($states.result.Body) %}"},
                    "End": True,
                },
            },
        },
        {"bucket": bucket, "names": ["orders", "billing"]},
    )

    assert output_of(execution) == {"key": "names/orders-billing", "count": 2}
