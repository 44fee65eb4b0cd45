"""The deployer against a small template exercising every supported intrinsic and SAM
feature (tests/deployer/stack/template.yaml), in the embedded AWS stack."""

from __future__ import annotations

import json
from typing import Any

import pytest

from embedded_aws.deployer import Deployment, RuleScheduler, deploy_stack, rate_seconds
from embedded_aws.intrinsics import ParameterError, TemplateError

from .conftest import STACK_DIR, wait_for

TEMPLATE = STACK_DIR / "template.yaml"


@pytest.fixture(scope="module")
def stack(embedded: Any, account: Any) -> Deployment:
    overrides = account.parameter_overrides({"ConsumerHostedZoneId": {}, "DomainName": {}})
    deployment = deploy_stack(embedded, TEMPLATE, overrides, stack_name="deployer-test")
    yield deployment
    deployment.stop()


def function_config(embedded: Any, stack: Deployment) -> dict[str, Any]:
    name = stack.outputs["FunctionName"]
    return embedded.client("lambda").get_function_configuration(FunctionName=name)


def test_given_the_template_when_deployed_then_outputs_resolve_every_intrinsic(
    embedded: Any, stack: Deployment
) -> None:
    outputs = stack.outputs
    assert outputs["Endpoint"] == embedded.endpoint
    assert outputs["Joined"] == "dev|123456789012|aws|amazonaws.com"
    assert outputs["SplitSecond"] == "b"
    bucket_arn = f"arn:aws:s3:::{outputs['BucketName']}"
    assert outputs["SubWithVariables"] == f"deployer-test:{bucket_arn}:${{Literal}}"
    assert outputs["Clients"] == "10.1.0.0/16,10.2.0.0/16"
    assert outputs["Encoded"] == "aGk="
    assert outputs["DevFlags"] == "dev-plain"
    assert "OnlyInProd" not in outputs  # its Condition is false


def test_given_a_type_without_creator_when_deployed_then_it_is_listed_as_skipped(
    stack: Deployment,
) -> None:
    assert stack.skipped == {
        "Queue": "AWS::WAFv2::IPSet",
        "Echo.Events.FromQueue": "SAM event SQS",
    }
    assert stack.outputs["SkippedRef"] == (
        "arn:aws:cloudformation:us-east-1:123456789012:skipped/Queue"
    )
    assert "ExtraBucket" not in stack.resources  # Condition false: not in the stack at all


def test_given_globals_when_a_function_is_deployed_then_they_merge_with_its_properties(
    embedded: Any, stack: Deployment
) -> None:
    config = function_config(embedded, stack)
    variables = config["Environment"]["Variables"]
    assert variables == {
        "FROM_GLOBALS": "yes",
        "STAGE": "dev",
        "TABLE": stack.outputs["TableName"],
        "BUCKET_ARN": f"arn:aws:s3:::{stack.outputs['BucketName']}",
        "LOG_LEVEL": "DEBUG",
        "FIRST_CLIENT": "10.1.0.0/16",
    }
    assert config["Runtime"] == "python3.12"
    assert config["Timeout"] == 10  # the function wins over Globals
    assert config["MemorySize"] == 256  # from Globals
    assert [layer["Arn"] for layer in config["Layers"]] == [stack.resources["Layer"].physical_id]
    groups = embedded.client("logs").describe_log_groups(
        logGroupNamePrefix=f"/aws/lambda/{config['FunctionName']}"
    )["logGroups"]
    assert len(groups) == 1


def rules_targeting(embedded: Any, arn: str) -> list[dict[str, Any]]:
    events = embedded.client("events")
    names = events.list_rule_names_by_target(TargetArn=arn)["RuleNames"]
    return [events.describe_rule(Name=name) for name in names]


def test_given_sam_events_when_deployed_then_rules_target_the_function_and_schedules_are_off(
    embedded: Any, stack: Deployment
) -> None:
    arn = function_config(embedded, stack)["FunctionArn"]
    rules = {("ScheduleExpression" in r): r for r in rules_targeting(embedded, arn)}
    assert rules[True]["ScheduleExpression"] == "rate(1 hour)"
    assert rules[True]["State"] == "DISABLED"  # scheduled triggers stay off unless asked
    assert json.loads(rules[False]["EventPattern"]) == {"source": ["deployer.test"]}
    assert rules[False]["State"] == "ENABLED"
    targets = embedded.client("events").list_targets_by_rule(Rule=rules[False]["Name"])
    assert targets["Targets"][0]["InputTransformer"] == {
        "InputPathsMap": {"kind": "$.detail.kind"},
        "InputTemplate": '{"kind": "<kind>"}',
    }
    assert stack.scheduler is None


def test_given_a_sam_state_machine_when_deployed_then_substitutions_role_and_rule_apply(
    embedded: Any, stack: Deployment
) -> None:
    sfn = embedded.client("stepfunctions")
    machine = sfn.describe_state_machine(stateMachineArn=stack.outputs["StateMachineArn"])
    definition = json.loads(machine["definition"])
    assert definition["Comment"] == "deployer test: hello dev in us-east-1"
    assert definition["States"]["Wait"]["Seconds"] == 0
    function_arn = function_config(embedded, stack)["FunctionArn"]
    assert definition["States"]["Echo"]["Parameters"]["FunctionName"] == function_arn
    iam = embedded.client("iam")
    role_name = machine["roleArn"].rsplit("/", 1)[-1]
    trust = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "states.amazonaws.com"}
    # Each Policies item becomes an inline policy; a SAM policy template is expanded as SAM
    # expands it (LambdaInvokePolicy: the function's ARN and its qualifiers).
    names = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    assert len(names) == 2
    documents = [
        iam.get_role_policy(RoleName=role_name, PolicyName=n)["PolicyDocument"] for n in names
    ]
    granted = {
        (s["Action"] if isinstance(s["Action"], str) else s["Action"][0], s["Resource"])
        for d in documents
        for s in d["Statement"]
    }
    assert ("lambda:InvokeFunction", f"{function_arn}*") in granted
    [rule] = rules_targeting(embedded, stack.outputs["StateMachineArn"])
    target = embedded.client("events").list_targets_by_rule(Rule=rule["Name"])["Targets"][0]
    assert target["RoleArn"].startswith("arn:aws:iam::123456789012:role/")


def test_given_the_deployed_state_machine_when_executed_then_the_real_handler_runs_with_its_layer(
    embedded: Any, stack: Deployment
) -> None:
    sfn = embedded.client("stepfunctions")
    execution = sfn.start_execution(
        stateMachineArn=stack.outputs["StateMachineArn"], input='{"ping": 1}'
    )["executionArn"]

    def finished() -> dict[str, Any] | None:
        result = sfn.describe_execution(executionArn=execution)
        return result if result["status"] != "RUNNING" else None

    result = wait_for(finished)
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"]) == {
        "greeting": "hello from the layer",
        "event": {"ping": 1},
    }


def test_given_a_tls_only_bucket_policy_when_deployed_then_the_http_emulator_still_serves_it(
    embedded: Any, stack: Deployment
) -> None:
    s3 = embedded.client("s3")
    bucket = stack.outputs["BucketName"]
    s3.put_object(Bucket=bucket, Key="nginx/nginx.conf", Body=b"events {}")
    assert s3.get_object(Bucket=bucket, Key="nginx/nginx.conf")["Body"].read() == b"events {}"
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert "AllowAccount" in [statement["Sid"] for statement in policy["Statement"]]


def test_given_storage_resources_when_deployed_then_their_settings_apply(
    embedded: Any, stack: Deployment
) -> None:
    s3 = embedded.client("s3")
    bucket = stack.outputs["BucketName"]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    ttl = embedded.client("dynamodb").describe_time_to_live(TableName=stack.outputs["TableName"])
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expiresAt"
    policy = embedded.client("iam").get_role_policy(
        RoleName=stack.resources["ExplicitRole"].physical_id, PolicyName="publish"
    )
    topic = stack.resources["Topic"].physical_id
    assert policy["PolicyDocument"]["Statement"][0]["Resource"] == topic


def test_given_network_resources_when_deployed_then_nlb_ecs_and_dns_are_wired(
    embedded: Any, account: Any, stack: Deployment
) -> None:
    [nlb] = embedded.client("elbv2").describe_load_balancers(
        LoadBalancerArns=[stack.resources["Nlb"].physical_id]
    )["LoadBalancers"]
    assert stack.outputs["NlbDnsName"] == nlb["DNSName"]
    assert stack.outputs["NlbZone"] == nlb["CanonicalHostedZoneId"]
    assert nlb["Type"] == "network"
    assert len(nlb["AvailabilityZones"]) == 2
    [service] = embedded.client("ecs").describe_services(
        cluster=stack.outputs["ClusterName"], services=[stack.outputs["ServiceName"]]
    )["services"]
    assert service["desiredCount"] == 2
    assert (
        service["loadBalancers"][0]["targetGroupArn"] == stack.resources["TlsTargets"].physical_id
    )
    records = embedded.client("route53").list_resource_record_sets(
        HostedZoneId=account.consumer_zone_id
    )["ResourceRecordSets"]
    [record] = [r for r in records if r["Name"] == f"nlb.dev.{account.domain}."]
    assert record["ResourceRecords"] == [{"Value": nlb["DNSName"]}]


def test_given_number_parameters_when_used_as_api_integers_then_converted_like_cloudformation(
    embedded: Any, stack: Deployment
) -> None:
    definition = embedded.client("ecs").describe_task_definition(
        taskDefinition=stack.resources["TaskDefinition"].physical_id
    )["taskDefinition"]
    assert definition["containerDefinitions"][0]["portMappings"][0]["containerPort"] == 443


def test_given_supporting_resources_when_deployed_then_each_exists_in_the_emulator(
    embedded: Any, stack: Deployment
) -> None:
    ids = {lid: created.physical_id for lid, created in stack.resources.items()}
    ec2 = embedded.client("ec2")
    [table] = ec2.describe_route_tables(RouteTableIds=[ids["PublicRoutes"]])["RouteTables"]
    assert {"0.0.0.0/0"} <= {r.get("DestinationCidrBlock") for r in table["Routes"]}
    assert table["Associations"][0]["SubnetId"] == ids["SubnetA"]
    [group] = ec2.describe_security_groups(GroupIds=[ids["ProxySecurityGroup"]])["SecurityGroups"]
    assert {p["FromPort"] for p in group["IpPermissions"]} == {80, 443}
    assert ec2.describe_vpc_endpoints(VpcEndpointIds=[ids["S3Endpoint"]])["VpcEndpoints"]
    scaling = embedded.client("application-autoscaling")
    [target] = scaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"][-1:]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 6)
    policies = scaling.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
    assert ids["CpuScaling"] in {p["PolicyARN"] for p in policies}
    assert embedded.client("cloudwatch").get_dashboard(DashboardName=ids["Dashboard"])
    subscriptions = embedded.client("sns").list_subscriptions_by_topic(TopicArn=ids["Topic"])
    assert [s["Protocol"] for s in subscriptions["Subscriptions"]] == ["sqs"]
    lattice = embedded.client("vpc-lattice")
    associations = lattice.list_service_network_vpc_associations(
        serviceNetworkIdentifier=stack.resources["Network"].attributes["Id"]
    )["items"]
    assert [a["vpcId"] for a in associations] == [ids["Vpc"]]


def test_given_a_bad_parameter_when_deploying_then_nothing_is_created(embedded: Any) -> None:
    before = embedded.client("s3").list_buckets()["Buckets"]
    with pytest.raises(ParameterError, match="Stage"):
        deploy_stack(
            embedded, TEMPLATE, {"Stage": "qa", "ConsumerHostedZoneId": "Z1", "DomainName": "x"}
        )
    assert embedded.client("s3").list_buckets()["Buckets"] == before


def test_given_a_reference_to_an_undeclared_resource_when_deploying_then_template_error(
    embedded: Any, tmp_path: Any
) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(
        "Resources:\n  A: {Type: AWS::SNS::Topic, Properties: {TopicName: !Ref B}}\n"
    )
    with pytest.raises(TemplateError, match="undeclared B"):
        deploy_stack(embedded, template, {})


# -- schedules ----------------------------------------------------------------------------------
SCHEDULED = """
Resources:
  Inbox: {Type: AWS::SQS::Queue}
  Tick:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(1 minute)
      Targets: [{Id: inbox, Arn: !GetAtt Inbox.Arn}]
Outputs:
  InboxUrl: {Value: !Ref Inbox}
  RuleName: {Value: !Ref Tick}
"""


def receive(embedded: Any, url: str) -> list[dict[str, Any]]:
    sqs = embedded.client("sqs")
    return sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", [])


def test_given_a_deployment_when_stopped_then_its_rules_no_longer_trigger(
    embedded: Any, tmp_path: Any
) -> None:
    (tmp_path / "t.yaml").write_text(
        SCHEDULED.replace("ScheduleExpression: rate(1 minute)", "EventPattern: {source: [x]}")
    )
    deployment = deploy_stack(embedded, tmp_path / "t.yaml", {}, stack_name="stopped")
    events = embedded.client("events")
    assert events.describe_rule(Name=deployment.outputs["RuleName"])["State"] == "ENABLED"
    deployment.stop()
    assert events.describe_rule(Name=deployment.outputs["RuleName"])["State"] == "DISABLED"


def test_given_schedules_off_when_deployed_then_the_rule_is_disabled_and_never_fires(
    embedded: Any, tmp_path: Any
) -> None:
    (tmp_path / "t.yaml").write_text(SCHEDULED)
    deployment = deploy_stack(embedded, tmp_path / "t.yaml", {}, stack_name="sched-off")
    rule = embedded.client("events").describe_rule(Name=deployment.outputs["RuleName"])
    assert rule["State"] == "DISABLED"
    assert deployment.scheduler is None


def test_given_schedules_on_when_a_rate_rule_fires_then_its_target_gets_a_scheduled_event(
    embedded: Any, tmp_path: Any
) -> None:
    (tmp_path / "t.yaml").write_text(SCHEDULED)
    deployment = deploy_stack(
        embedded, tmp_path / "t.yaml", {}, stack_name="sched-on", enable_schedules=True
    )
    try:
        rule = embedded.client("events").describe_rule(Name=deployment.outputs["RuleName"])
        assert rule["State"] == "ENABLED"
        assert deployment.scheduler is not None
        assert deployment.scheduler.fire(rule["Name"]) == 1
        [message] = wait_for(lambda: receive(embedded, deployment.outputs["InboxUrl"]))
        event = json.loads(message["Body"])
        assert event["detail-type"] == "Scheduled Event"
        assert event["resources"] == [rule["Arn"]]
    finally:
        deployment.stop()


def test_given_a_running_scheduler_when_the_period_passes_then_it_fires_by_itself(
    embedded: Any, tmp_path: Any
) -> None:
    (tmp_path / "t.yaml").write_text(SCHEDULED)
    deployment = deploy_stack(
        embedded, tmp_path / "t.yaml", {}, stack_name="sched-fast", enable_schedules=True
    )
    assert deployment.scheduler is not None
    deployment.scheduler.stop()  # replace the real-time scheduler with a fast one
    ctx = deployment.scheduler._ctx
    fast = RuleScheduler(ctx, [(deployment.outputs["RuleName"], "rate(1 minute)")], 0.001)
    fast.start()
    try:
        wait_for(lambda: receive(embedded, deployment.outputs["InboxUrl"]))
    finally:
        fast.stop()
        deployment.stop()


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(1 minute)", 60),
        ("rate(5 minutes)", 300),
        ("rate(2 hours)", 7200),
        ("rate(1 day)", 86400),
        ("cron(0 * * * ? *)", None),
    ],
)
def test_given_a_schedule_expression_when_parsed_then_its_period(
    expression: str, seconds: int | None
) -> None:
    assert rate_seconds(expression) == seconds


def test_given_an_attribute_the_resource_lacks_when_deploying_then_the_error_names_where(
    embedded: Any, tmp_path: Any
) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(
        "Resources:\n  Topic: {Type: AWS::SNS::Topic}\n"
        "  Sub: {Type: AWS::SNS::Topic, Properties: {DisplayName: !GetAtt Topic.Nope}}\n"
    )
    with pytest.raises(TemplateError, match=r"^Sub: Fn::GetAtt Topic\.Nope is unknown"):
        deploy_stack(embedded, template, {})
