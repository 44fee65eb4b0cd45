"""IAM enforced by the embedded AWS, seen as an SDK sees it: a role's call outside its policy
fails exactly as AWS spells the refusal, each test failing against the lenient emulator
(moto alone allows every call)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from embedded_aws.iam.credentials import role_session

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def _role(embedded: Any, *statements: dict[str, Any]) -> str:
    iam = embedded.client("iam")
    name = f"iam-test-{uuid.uuid4().hex[:8]}"
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    if statements:
        iam.put_role_policy(
            RoleName=name,
            PolicyName="p",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}),
        )
    return arn


def _as_role(embedded: Any, role_arn: str, service: str) -> Any:
    session = role_session(role_arn, "test", embedded.region)
    return boto3.client(
        service,
        region_name=embedded.region,
        endpoint_url=embedded.endpoint,
        aws_access_key_id=session.access_key_id,
        aws_secret_access_key=session.secret_access_key,
        aws_session_token=session.session_token,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def zone_id(embedded: Any) -> str:
    route53 = embedded.client("route53")
    zone = route53.create_hosted_zone(
        Name=f"iam-{uuid.uuid4().hex[:6]}.example.com", CallerReference=uuid.uuid4().hex
    )
    return str(zone["HostedZone"]["Id"].rsplit("/", 1)[-1])


@pytest.fixture(scope="module")
def bucket(embedded: Any) -> str:
    name = f"iam-test-{uuid.uuid4().hex[:8]}"
    embedded.client("s3").create_bucket(Bucket=name)
    embedded.client("s3").put_object(Bucket=name, Key="catalog/present.json", Body=b"{}")
    return name


def test_given_no_route53_grant_when_get_hosted_zone_then_access_denied_as_route53_spells_it(
    embedded, zone_id
):
    role = _role(
        embedded,
        {
            "Effect": "Allow",
            "Action": "route53:ListResourceRecordSets",
            "Resource": f"arn:aws:route53:::hostedzone/{zone_id}",
        },
    )
    route53 = _as_role(embedded, role, "route53")

    route53.list_resource_record_sets(HostedZoneId=zone_id)  # granted: works
    with pytest.raises(ClientError) as denied:
        route53.get_hosted_zone(Id=zone_id)

    error = denied.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error["Error"]["Code"] == "AccessDenied"
    role_name = role.rsplit("/", 1)[-1]
    assert error["Error"]["Message"] == (
        f"User: arn:aws:sts::123456789012:assumed-role/{role_name}/test is not authorized to "
        f"perform: route53:GetHostedZone on resource: arn:aws:route53:::hostedzone/{zone_id} "
        "because no identity-based policy allows the route53:GetHostedZone action"
    )


def test_given_grant_for_another_zone_when_listing_this_one_then_denied(embedded, zone_id):
    role = _role(
        embedded,
        {
            "Effect": "Allow",
            "Action": "route53:*",
            "Resource": "arn:aws:route53:::hostedzone/ZOTHER",
        },
    )
    with pytest.raises(ClientError, match="AccessDenied"):
        _as_role(embedded, role, "route53").list_resource_record_sets(HostedZoneId=zone_id)


def test_given_json_protocol_service_when_denied_then_access_denied_exception(embedded):
    table = f"iam-test-{uuid.uuid4().hex[:8]}"
    embedded.client("dynamodb").create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    )
    role = _role(
        embedded,
        {
            "Effect": "Allow",
            "Action": "dynamodb:GetItem",
            "Resource": f"arn:aws:dynamodb:us-east-1:123456789012:table/{table}",
        },
    )
    dynamodb = _as_role(embedded, role, "dynamodb")

    dynamodb.get_item(TableName=table, Key={"pk": {"S": "x"}})
    with pytest.raises(ClientError) as denied:
        dynamodb.update_item(
            TableName=table,
            Key={"pk": {"S": "x"}},
            UpdateExpression="SET a = :a",
            ExpressionAttributeValues={":a": {"S": "1"}},
        )

    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "dynamodb:UpdateItem" in denied.value.response["Error"]["Message"]


def test_given_rest_json_service_when_denied_then_access_denied_exception_403(embedded):
    role = _role(embedded)
    with pytest.raises(ClientError) as denied:
        _as_role(embedded, role, "vpc-lattice").list_service_network_service_associations(
            serviceNetworkIdentifier="sn-0123456789abcdef0"
        )
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_given_missing_object_when_caller_may_not_list_the_bucket_then_403_else_404(
    embedded, bucket
):
    read = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/catalog/*",
    }
    without_list = _as_role(embedded, _role(embedded, read), "s3")
    with_list = _as_role(
        embedded,
        _role(
            embedded,
            read,
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"},
        ),
        "s3",
    )

    without_list.head_object(Bucket=bucket, Key="catalog/present.json")
    with pytest.raises(ClientError) as forbidden:
        without_list.head_object(Bucket=bucket, Key="catalog/absent.json")
    with pytest.raises(ClientError) as missing:
        with_list.head_object(Bucket=bucket, Key="catalog/absent.json")

    assert forbidden.value.response["Error"]["Code"] == "403"
    assert missing.value.response["Error"]["Code"] == "404"


def test_given_a_delete_marker_as_current_version_then_the_object_is_missing_to_iam(embedded):
    # A versioned bucket keeps the deleted object's versions, but its current version is a
    # delete marker: S3 behaves as if the object was deleted, so without s3:ListBucket 403.
    name = f"iam-ver-{uuid.uuid4().hex[:8]}"
    root = embedded.client("s3")
    root.create_bucket(Bucket=name)
    root.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    root.put_object(Bucket=name, Key="nginx.conf", Body=b"events {}")
    root.delete_object(Bucket=name, Key="nginx.conf")
    read = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*"}
    listing = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{name}"}

    with pytest.raises(ClientError) as forbidden:
        _as_role(embedded, _role(embedded, read), "s3").head_object(Bucket=name, Key="nginx.conf")
    with pytest.raises(ClientError) as missing:
        _as_role(embedded, _role(embedded, read, listing), "s3").head_object(
            Bucket=name, Key="nginx.conf"
        )

    assert forbidden.value.response["Error"]["Code"] == "403"
    assert missing.value.response["Error"]["Code"] == "404"


def test_given_list_grant_conditioned_on_prefix_then_other_prefixes_are_denied(embedded, bucket):
    role = _role(
        embedded,
        {
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": f"arn:aws:s3:::{bucket}",
            "Condition": {"StringEquals": {"s3:prefix": "catalog/"}},
        },
    )
    s3 = _as_role(embedded, role, "s3")
    s3.list_objects_v2(Bucket=bucket, Prefix="catalog/")
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.list_objects_v2(Bucket=bucket, Prefix="nginx/")


def test_given_bucket_policy_deny_when_identity_allows_then_denied_and_root_too(embedded):
    name = f"iam-test-{uuid.uuid4().hex[:8]}"
    root = embedded.client("s3")
    root.create_bucket(Bucket=name)
    root.put_bucket_policy(
        Bucket=name,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:PutObject",
                        "Resource": f"arn:aws:s3:::{name}/locked/*",
                    }
                ],
            }
        ),
    )
    role = _role(embedded, {"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    s3 = _as_role(embedded, role, "s3")

    s3.put_object(Bucket=name, Key="open/a", Body=b"1")
    with pytest.raises(ClientError) as denied:
        s3.put_object(Bucket=name, Key="locked/a", Body=b"1")
    with pytest.raises(ClientError, match="AccessDenied"):
        root.put_object(Bucket=name, Key="locked/b", Body=b"1")

    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    assert denied.value.response["Error"]["Message"].endswith(
        "with an explicit deny in a resource-based policy"
    )


def test_given_the_templates_tls_only_bucket_policy_then_sdk_calls_still_work(embedded):
    # The local endpoint stands in for AWS's HTTPS one: aws:SecureTransport is true.
    name = f"iam-test-{uuid.uuid4().hex[:8]}"
    root = embedded.client("s3")
    root.create_bucket(Bucket=name)
    root.put_bucket_policy(
        Bucket=name,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            }
        ),
    )
    root.put_object(Bucket=name, Key="k", Body=b"1")
    assert root.get_object(Bucket=name, Key="k")["Body"].read() == b"1"


def test_given_operation_missing_from_the_action_table_then_only_a_star_grant_allows_it(
    embedded,
):
    # Resource-scoped grants never match an operation the table does not map: the refusal
    # names the action AWS would check and the table to extend.
    scoped = _role(
        embedded,
        {
            "Effect": "Allow",
            "Action": "route53:ListHealthChecks",
            "Resource": "arn:aws:route53:::healthcheck/*",
        },
    )
    with pytest.raises(ClientError) as denied:
        _as_role(embedded, scoped, "route53").list_health_checks()
    message = denied.value.response["Error"]["Message"]
    assert "route53:ListHealthChecks" in message
    assert "embedded_aws/iam/actions.py" in message

    other_action = _role(
        embedded, {"Effect": "Allow", "Action": "route53:ListHostedZones", "Resource": "*"}
    )
    with pytest.raises(ClientError):
        _as_role(embedded, other_action, "route53").list_health_checks()

    granted = _role(
        embedded, {"Effect": "Allow", "Action": "route53:ListHealthChecks", "Resource": "*"}
    )
    assert _as_role(embedded, granted, "route53").list_health_checks()["HealthChecks"] == []


def test_given_dummy_root_credentials_then_everything_is_allowed(embedded, zone_id):
    embedded.client("route53").get_hosted_zone(Id=zone_id)
    embedded.client("route53").list_health_checks()


def test_given_role_session_then_sts_names_the_assumed_role(embedded):
    role = _role(embedded)
    identity = _as_role(embedded, role, "sts").get_caller_identity()
    assert (
        identity["Arn"] == f"arn:aws:sts::123456789012:assumed-role/{role.rsplit('/', 1)[-1]}/test"
    )
