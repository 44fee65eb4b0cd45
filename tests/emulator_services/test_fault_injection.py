"""Injected faults look exactly like AWS's errors, so botocore retries them as on AWS."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any
from xml.etree import ElementTree

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from embedded_aws.compat import faults

from .support import control, unique

ROUTE53_NS = "{https://route53.amazonaws.com/doc/2013-04-01/}"


def _client(embedded: Any, service: str, **retries: Any) -> Any:
    return boto3.client(
        service,
        region_name=embedded.region,
        endpoint_url=embedded.endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries=retries),
    )


@pytest.fixture
def zone(embedded: Any) -> str:
    route53 = embedded.client("route53")
    name = f"{unique('faults')}.example.com"
    return route53.create_hosted_zone(Name=name, CallerReference=name)["HostedZone"]["Id"]  # type: ignore[no-any-return]


def _upsert(route53: Any, zone: str, name: str = "www") -> dict[str, Any]:
    zone_name = route53.get_hosted_zone(Id=zone)["HostedZone"]["Name"]
    record = {
        "Name": f"{name}.{zone_name}",
        "Type": "TXT",
        "TTL": 60,
        "ResourceRecords": [{"Value": '"owned"'}],
    }
    return route53.change_resource_record_sets(  # type: ignore[no-any-return]
        HostedZoneId=zone,
        ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": record}]},
    )


def test_given_two_throttles_when_standard_retry_client_writes_then_it_retries_and_succeeds(
    embedded, zone
):
    route53 = _client(embedded, "route53", mode="standard", total_max_attempts=3)
    faults.inject("route53", "ChangeResourceRecordSets", "Throttling", count=2)

    response = _upsert(route53, zone)

    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert response["ChangeInfo"]["Status"] in ("PENDING", "INSYNC")
    assert faults.pending() == []


def test_given_throttle_when_client_makes_one_attempt_then_client_error_throttling(embedded, zone):
    route53 = _client(embedded, "route53", mode="standard", total_max_attempts=1)
    faults.inject("route53", "ChangeResourceRecordSets", "Throttling", count=1)

    with pytest.raises(ClientError) as raised:
        _upsert(route53, zone)

    error = raised.value.response
    assert error["Error"]["Code"] == "Throttling"
    assert error["Error"]["Message"] == "Rate exceeded"
    assert error["Error"]["Type"] == "Sender"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize("mode", ["standard", "adaptive"])
def test_given_prior_request_not_complete_when_retrying_client_writes_then_retried(
    embedded, zone, mode
):
    route53 = _client(embedded, "route53", mode=mode, total_max_attempts=2)
    faults.inject("route53", "change_resource_record_sets", "PriorRequestNotComplete")

    response = _upsert(route53, zone)

    assert response["ResponseMetadata"]["RetryAttempts"] == 1


def test_given_fault_over_http_when_route53_called_then_body_is_route53_rest_xml(embedded):
    control(
        embedded,
        "POST",
        faults.FAULTS_PATH,
        {"service": "route53", "operation": "ListHostedZones", "errorCode": "Throttling"},
    )
    request = urllib.request.Request(
        f"{embedded.endpoint}/2013-04-01/hostedzone",
        headers={
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/route53/"
            "aws4_request, SignedHeaders=host, Signature=0"
        },
    )

    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)

    assert raised.value.code == 400
    root = ElementTree.fromstring(raised.value.read())
    assert root.tag == f"{ROUTE53_NS}ErrorResponse"
    error = root.find(f"{ROUTE53_NS}Error")
    assert error is not None
    assert [child.tag.removeprefix(ROUTE53_NS) for child in error] == ["Type", "Code", "Message"]
    assert error.findtext(f"{ROUTE53_NS}Code") == "Throttling"
    assert root.findtext(f"{ROUTE53_NS}RequestId")


def test_given_count_two_when_three_calls_then_only_two_fail(embedded):
    route53 = _client(embedded, "route53", mode="standard", total_max_attempts=1)
    faults.inject("route53", "ListHostedZones", "Throttling", count=2)

    outcomes = []
    for _ in range(3):
        try:
            route53.list_hosted_zones()
            outcomes.append("ok")
        except ClientError as exc:
            outcomes.append(exc.response["Error"]["Code"])

    assert outcomes == ["Throttling", "Throttling", "ok"]


def test_given_fault_for_other_operation_when_called_then_untouched(embedded, zone):
    route53 = _client(embedded, "route53", mode="standard", total_max_attempts=1)
    faults.inject("route53", "ChangeResourceRecordSets", "Throttling")

    route53.list_hosted_zones()
    embedded.client("ecs").list_clusters()

    assert len(faults.pending()) == 1
    with pytest.raises(ClientError, match="Throttling"):
        _upsert(route53, zone)


def test_given_faults_when_deleted_over_http_then_calls_succeed(embedded):
    route53 = _client(embedded, "route53", mode="standard", total_max_attempts=1)
    faults.inject("route53", "ListHostedZones", "Throttling", count=5)

    cleared = control(embedded, "DELETE", faults.FAULTS_PATH)
    route53.list_hosted_zones()

    assert cleared == {"faults": []}


def test_given_json_protocol_fault_when_ecs_called_then_type_is_read_by_botocore(embedded):
    ecs = _client(embedded, "ecs", mode="standard", total_max_attempts=1)
    faults.inject("ecs", "DescribeServices", "ThrottlingException", message="Rate exceeded")

    with pytest.raises(ClientError) as raised:
        ecs.describe_services(cluster="any", services=["any"])

    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    assert raised.value.response["Error"]["Message"] == "Rate exceeded"


def test_given_rest_json_fault_when_lattice_called_then_retryable_like_aws(embedded):
    lattice = _client(embedded, "vpc-lattice", mode="standard", total_max_attempts=2)
    faults.inject("vpc-lattice", "ListServices", "ThrottlingException", status=429)

    response = lattice.list_services()

    assert response["ResponseMetadata"]["RetryAttempts"] == 1


def test_given_query_protocol_fault_when_ec2_called_then_ec2_error_shape(embedded):
    ec2 = _client(embedded, "ec2", mode="standard", total_max_attempts=1)
    faults.inject("ec2", "DescribeVpcs", "RequestLimitExceeded", message="Request limit exceeded.")

    with pytest.raises(ClientError) as raised:
        ec2.describe_vpcs()

    assert raised.value.response["Error"]["Code"] == "RequestLimitExceeded"
    assert raised.value.response["Error"]["Message"] == "Request limit exceeded."


def test_given_unknown_operation_when_injecting_then_fault_error():
    with pytest.raises(faults.FaultError):
        faults.inject("route53", "ChangeEverything", "Throttling")
    with pytest.raises(faults.FaultError):
        faults.inject("not-a-service", "Anything", "Throttling")
