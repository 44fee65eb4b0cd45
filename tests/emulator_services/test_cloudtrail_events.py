"""Mutating VPC Lattice calls put CloudTrail-shaped events on the default bus."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from embedded_aws.compat import cloudtrail

from .support import unique

ISO_8601_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
DETAIL_KEYS = {
    "eventVersion",
    "userIdentity",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "requestParameters",
    "responseElements",
    "requestID",
    "eventID",
    "readOnly",
    "eventType",
    "managementEvent",
    "recipientAccountId",
}


@pytest.fixture
def trail(embedded: Any) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """An ordinary rule (CloudTrail pattern) -> SQS queue; yields a drain function."""
    sqs, events = embedded.client("sqs"), embedded.client("events")
    name = unique("trail")
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    pattern = {
        "source": ["aws.vpc-lattice"],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {"eventSource": ["vpc-lattice.amazonaws.com"]},
    }
    events.put_rule(Name=name, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=name, Targets=[{"Id": "queue", "Arn": queue_arn}])

    def drain() -> list[dict[str, Any]]:
        cloudtrail.wait_for_delivery()
        received: list[dict[str, Any]] = []
        for _ in range(50):  # bounded: the queue holds at most what this test caused
            messages = sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not messages:
                break
            received.extend(json.loads(m["Body"]) for m in messages)
            sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(messages)
                ],
            )
        return received

    yield drain
    events.remove_targets(Rule=name, Ids=["queue"])
    events.delete_rule(Name=name)
    sqs.delete_queue(QueueUrl=queue_url)


def _mine(events: list[dict[str, Any]], *markers: str) -> list[dict[str, Any]]:
    """The events whose request parameters mention one of `markers` (ids, names)."""
    return [
        e for e in events if any(m in json.dumps(e["detail"]["requestParameters"]) for m in markers)
    ]


def test_given_rule_when_service_created_then_cloudtrail_shaped_event_arrives(
    embedded, lattice, provisioning, trail
):
    name = unique("ct-create")

    created = lattice.create_service(name=name, customDomainName=f"{name}.example.com")

    (event,) = _mine(trail(), name)
    detail = event["detail"]
    assert event["source"] == "aws.vpc-lattice"
    assert event["detail-type"] == "AWS API Call via CloudTrail"
    assert event["region"] == embedded.region
    assert set(detail) >= DETAIL_KEYS
    assert detail["eventSource"] == "vpc-lattice.amazonaws.com"
    assert detail["eventName"] == "CreateService"
    assert ISO_8601_Z.fullmatch(detail["eventTime"])
    assert detail["awsRegion"] == embedded.region
    assert detail["recipientAccountId"] == embedded.account_id
    assert detail["readOnly"] is False
    assert detail["eventType"] == "AwsApiCall"
    assert detail["managementEvent"] is True
    assert detail["userIdentity"]["accountId"] == embedded.account_id
    assert detail["requestParameters"]["name"] == name
    assert detail["requestParameters"]["customDomainName"] == f"{name}.example.com"
    assert detail["responseElements"]["id"] == created["id"]
    assert detail["responseElements"]["dnsEntry"] == created["dnsEntry"]
    assert detail["requestID"] == created["ResponseMetadata"]["RequestId"]
    assert "errorCode" not in detail


def test_given_rule_when_call_fails_then_event_has_error_code_and_null_response(
    lattice, provisioning, service_network, trail
):
    service = lattice.create_service(name=unique("ct-fail"))
    lattice.create_service_network_service_association(
        serviceNetworkIdentifier=service_network["id"], serviceIdentifier=service["id"]
    )

    with pytest.raises(ClientError):
        lattice.delete_service(serviceIdentifier=service["id"])

    failed = [e["detail"] for e in _mine(trail(), service["id"]) if e["detail"].get("errorCode")]
    (detail,) = failed
    assert detail["eventName"] == "DeleteService"
    assert detail["errorCode"] == "ConflictException"
    assert detail["errorMessage"]
    assert detail["responseElements"] is None
    assert detail["requestParameters"] == {"serviceIdentifier": service["id"]}


def test_given_rule_when_association_lifecycle_runs_then_each_mutation_is_one_event_in_order(
    lattice, provisioning, service_network, trail
):
    name = unique("ct-flow")
    service = lattice.create_service(name=name)
    association = lattice.create_service_network_service_association(
        serviceNetworkIdentifier=service_network["id"], serviceIdentifier=service["id"]
    )
    lattice.tag_resource(resourceArn=service["arn"], tags={"team": "edge"})
    lattice.untag_resource(resourceArn=service["arn"], tagKeys=["team"])
    lattice.delete_service_network_service_association(
        serviceNetworkServiceAssociationIdentifier=association["id"]
    )

    events = _mine(trail(), name, service["id"], association["id"])
    assert [e["detail"]["eventName"] for e in events] == [
        "CreateService",
        "CreateServiceNetworkServiceAssociation",
        "TagResource",
        "UntagResource",
        "DeleteServiceNetworkServiceAssociation",
    ]
    assert events[3]["detail"]["requestParameters"]["tagKeys"] == ["team"]


def test_given_rule_when_association_deleted_then_event_names_the_association(
    lattice, provisioning, service_network, trail
):
    service = lattice.create_service(name=unique("ct-del"))
    association = lattice.create_service_network_service_association(
        serviceNetworkIdentifier=service_network["id"], serviceIdentifier=service["id"]
    )

    lattice.delete_service_network_service_association(
        serviceNetworkServiceAssociationIdentifier=association["id"]
    )

    (event,) = _mine(trail(), association["id"])
    assert event["detail"]["eventName"] == "DeleteServiceNetworkServiceAssociation"
    assert event["detail"]["responseElements"]["status"] == "DELETE_IN_PROGRESS"


def test_given_rule_when_only_reads_happen_then_no_event(lattice, provisioning, trail):
    name = unique("ct-read")
    service = lattice.create_service(name=name)
    created = [e["detail"]["eventName"] for e in _mine(trail(), name)]

    lattice.get_service(serviceIdentifier=service["id"])
    lattice.list_services()
    lattice.list_service_network_service_associations(serviceNetworkIdentifier="sn-0")

    assert created == ["CreateService"]
    assert trail() == []


def test_given_delayed_delivery_when_calls_made_then_events_arrive_after_the_block_in_order(
    lattice, provisioning, trail
):
    first, second = unique("ct-late-1"), unique("ct-late-2")

    with cloudtrail.delayed_delivery():
        lattice.create_service(name=first)
        lattice.create_service(name=second)
        # Held: the delivery worker cannot finish the events recorded so far.
        with pytest.raises(TimeoutError):
            cloudtrail.wait_for_delivery(timeout=1.0)

    names = [e["detail"]["requestParameters"]["name"] for e in _mine(trail(), first, second)]
    assert names == [first, second]
