"""One state machine through everything the control plane relies on: route53, s3, ecs,
vpclattice and dynamodb SDK tasks, Lambda tasks, Retry, Catch, Choice, Wait and Map."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from .emulator_support import ASL, Emulator, output_of, unique

DOMAIN = "tour.example.com"
NAMES = ["orders", "billing", "search"]


@pytest.fixture(scope="module")
def tour(emulator: Emulator) -> dict[str, Any]:
    """The account the tour runs in, and its state machine."""
    zone_id = (
        emulator.client("route53")
        .create_hosted_zone(Name=DOMAIN, CallerReference=unique("tour"))["HostedZone"]["Id"]
        .split("/")[-1]
    )
    bucket = unique("tour-config")
    emulator.client("s3").create_bucket(Bucket=bucket)
    table = unique("tour-lease")
    emulator.client("dynamodb").create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ecs = emulator.client("ecs")
    cluster = unique("tour")
    ecs.create_cluster(clusterName=cluster)
    ecs.register_task_definition(
        family="tour-proxy",
        containerDefinitions=[{"name": "nginx", "image": "nginx", "memory": 128}],
    )
    ecs.create_service(
        cluster=cluster, serviceName="proxy", taskDefinition="tour-proxy", desiredCount=1
    )
    network = emulator.client("vpc-lattice").create_service_network(name=unique("tour"))

    substitutions = {
        "GreeterArn": emulator.create_registered_function(
            "greeter", {"GREETING": "hey"}, ("shared",)
        ),
        "FlakyArn": emulator.create_registered_function("flaky"),
        "ValidatorArn": emulator.create_registered_function("validator"),
    }
    # As DefinitionSubstitutions: only ${Name} is replaced ($$ stays the context object).
    definition = re.sub(
        r"\$\{(\w+)\}",
        lambda match: substitutions.get(match.group(1), match.group(0)),
        (ASL / "tour.asl.json").read_text(),
    )
    return {
        "machine": emulator.create_state_machine(definition),
        "input": {
            "table": table,
            "zoneId": zone_id,
            "bucket": bucket,
            "domain": DOMAIN,
            "cluster": cluster,
            "service": "proxy",
            "serviceNetworkId": network["id"],
            "names": NAMES,
            "waitSeconds": 1,
        },
    }


def start(emulator: Emulator, tour: dict[str, Any]) -> dict[str, Any]:
    sfn = emulator.client("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=tour["machine"], input=json.dumps(tour["input"]))
    return emulator.wait_for(arn["executionArn"])


def test_given_the_tour_when_it_runs_then_every_integration_behaves_as_on_aws(
    emulator: Emulator, tour: dict[str, Any]
):
    execution = start(emulator, tour)

    output = output_of(execution)
    assert output["greeted"] == {"greeting": "HEY!", "name": "orders"}  # lambda:invoke
    assert output["flaky"] == {"attempts": 3}  # plain ARN + Retry on the exception type
    assert output["rejected"]["Error"] == "InvalidInputError"  # Catch on the exception type
    assert output["discovered"] == {"count": 0}  # vpclattice, PascalCase Items
    assert len(output["published"]) == len(NAMES)  # Map, one result per name
    assert all(item["etag"] for item in output["published"])
    assert output["rollout"]["deployments"][0]["Status"] == "PRIMARY"  # Wait, ecs, Choice
    records = emulator.client("route53").list_resource_record_sets(
        HostedZoneId=tour["input"]["zoneId"]
    )["ResourceRecordSets"]
    assert {f"{name}.{DOMAIN}." for name in NAMES} <= {r["Name"] for r in records}
    objects = emulator.client("s3").list_objects_v2(Bucket=tour["input"]["bucket"])
    assert sorted(o["Key"] for o in objects["Contents"]) == sorted(f"published/{n}" for n in NAMES)
    lease = emulator.client("dynamodb").get_item(
        TableName=tour["input"]["table"], Key={"pk": {"S": "lease"}}
    )
    assert "Item" not in lease  # released at the end


def test_given_lease_held_when_the_tour_runs_then_conditional_check_is_caught(
    emulator: Emulator, tour: dict[str, Any]
):
    dynamodb = emulator.client("dynamodb")
    dynamodb.put_item(
        TableName=tour["input"]["table"],
        Item={"pk": {"S": "lease"}, "holder": {"S": "someone-else"}},
    )
    try:
        execution = start(emulator, tour)
    finally:
        dynamodb.delete_item(TableName=tour["input"]["table"], Key={"pk": {"S": "lease"}})

    assert output_of(execution)["busy"]["Error"] == "DynamoDb.ConditionalCheckFailedException"
