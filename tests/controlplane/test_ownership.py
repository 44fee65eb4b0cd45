"""Ownership that cannot be forged or shared, and the writers' IAM fences, on the stack
deployed from template.yaml (real ASL, real handlers, embedded IAM evaluating the template's
policies). Each test fails against main before issue 8: an unsigned marker with the stack's
owner id made any record deletable, the owner id was the stack name, the Route 53 grant
allowed any change, and the bucket policy let any role with s3:PutObject write the config."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from embedded_aws.iam.credentials import role_session
from lattice_ingress.logic.dns_plan import plan_zone
from lattice_ingress.logic.dns_records import registry_name, registry_value
from lattice_ingress.logic.ownership import Ownership
from lattice_ingress.models.dns import ChangeAction, RecordChange, RecordSet

pytestmark = pytest.mark.timeout(600)

LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def _function(control_plane: Any, logical_id: str) -> dict[str, Any]:
    """The deployed function's configuration (the deployer names it stack-LogicalId-SUFFIX)."""
    name = control_plane.function_name(logical_id)
    return dict(control_plane.client("lambda").get_function_configuration(FunctionName=name))


def _env(control_plane: Any, logical_id: str) -> dict[str, str]:
    return dict(_function(control_plane, logical_id)["Environment"]["Variables"])


def _as_role(control_plane: Any, role_arn: str, service: str) -> Any:
    embedded = control_plane.embedded
    session = role_session(role_arn, "ownership-test", embedded.region)
    return boto3.client(
        service,
        region_name=embedded.region,
        endpoint_url=embedded.endpoint,
        aws_access_key_id=session.access_key_id,
        aws_secret_access_key=session.secret_access_key,
        aws_session_token=session.session_token,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )


def _output(description: dict[str, Any]) -> dict[str, Any]:
    assert description["status"] == "SUCCEEDED", description.get("cause")
    return dict(json.loads(description["output"]))


def _conflicts(output: dict[str, Any], zone: str) -> set[str]:
    found = next(z for z in output["zones"] if z["zone"] == zone)
    return {entry["name"] for entry in found["conflicts"]}


def _txt(control_plane: Any, zone_id: str, name: str) -> str | None:
    record = control_plane.records(zone_id).get((registry_name(name), "TXT"))
    return None if record is None else str(record["ResourceRecords"][0]["Value"])


def _apply(control_plane: Any, zone_id: str, changes: list[RecordChange]) -> None:
    control_plane.client("route53").change_resource_record_sets(
        HostedZoneId=zone_id, ChangeBatch={"Changes": [c.to_api() for c in changes]}
    )


# -- 2. a forged marker is no proof ------------------------------------------------------
def test_given_forged_marker_beside_foreign_record_when_reconciled_then_untouched_and_reported(
    control_plane,
):
    """An ACME-style TXT writer copies the stack's owner id (and a real signature from
    another of its names) next to someone's record. Before: the run deleted the record."""
    zone = control_plane.consumer_zone_id
    owner_id = _env(control_plane, "SyncDnsFunction")["OWNER_ID"]
    published = f"{control_plane.unique('signed')}.{control_plane.domain}"
    control_plane.create_service(control_plane.unique("signed"), published)
    control_plane.wait_idle()
    real_marker = _txt(control_plane, zone, published)
    assert real_marker is not None and f"owner={owner_id}," in real_marker

    victim = f"{control_plane.unique('www')}.{control_plane.domain}"
    control_plane.put_record(zone, victim, "CNAME", "someone-else.example.net")
    # The copied value (owner, service, sig of another name), and a bare unsigned one.
    control_plane.put_record(zone, registry_name(victim), "TXT", real_marker)
    unsigned = f"{control_plane.unique('api')}.{control_plane.domain}"
    control_plane.put_record(zone, unsigned, "CNAME", "someone-else.example.net")
    control_plane.put_record(
        zone, registry_name(unsigned), "TXT", registry_value(owner_id, "svc-x")
    )

    output = _output(control_plane.reconcile({}))

    for name in (victim, unsigned):
        assert control_plane.record_target(zone, name) == "someone-else.example.net"
        assert name in _conflicts(output, "consumer")
    assert control_plane.record_target(zone, published) == control_plane.consumer_target.lower()


def test_given_our_record_repointed_when_its_service_is_deleted_then_not_deleted(control_plane):
    """The marker is ours and genuine, but someone changed the record since: not ours now."""
    zone = control_plane.consumer_zone_id
    name = control_plane.unique("repointed")
    domain = f"{name}.{control_plane.domain}"
    service_id = control_plane.create_service(name, domain)
    control_plane.wait_idle()
    assert control_plane.record_target(zone, domain) == control_plane.consumer_target.lower()

    control_plane.put_record(zone, domain, "CNAME", "hijacked-elsewhere.example.net")
    control_plane.delete_service(service_id)
    control_plane.wait_idle()
    output = _output(control_plane.reconcile({}))

    assert control_plane.record_target(zone, domain) == "hijacked-elsewhere.example.net"
    assert domain in _conflicts(output, "consumer")


# -- 1. an owner id unique to the stack --------------------------------------------------
def test_given_same_named_stack_in_another_region_sharing_the_zone_then_neither_touches_the_other(
    control_plane,
):
    """The twin: a stack of the same name in eu-west-1 (its owner id names its own Region and
    stack UUID, its key is its own) writing the same zone through the same planner."""
    zone = control_plane.consumer_zone_id
    env = _env(control_plane, "SyncDnsFunction")
    account, region, _ = env["OWNER_ID"].split(":")
    assert region == control_plane.embedded.region
    twin = Ownership(
        owner_id=f"{account}:eu-west-1:{uuid.uuid4()}",
        key=b"the-twin-stack-key",
        legacy_owner_id=env["LEGACY_OWNER_ID"],  # the same stack name
    )
    theirs = f"{control_plane.unique('twin')}.{control_plane.domain}"
    record = RecordSet(name=theirs, type="CNAME", ttl=300, values=("twin-nlb.example.net",))
    _apply(
        control_plane,
        zone,
        [
            RecordChange(action=ChangeAction.CREATE, record=record),
            RecordChange(
                action=ChangeAction.CREATE, record=twin.marker(theirs, "svc-twin", [record])
            ),
        ],
    )
    ours = f"{control_plane.unique('mine')}.{control_plane.domain}"
    control_plane.create_service(control_plane.unique("mine"), ours)
    # A service of ours that wants the twin's name.
    control_plane.create_service(control_plane.unique("wants-twin"), theirs)
    control_plane.wait_idle()
    output = _output(control_plane.reconcile({}))

    assert control_plane.record_target(zone, theirs) == "twin-nlb.example.net"
    assert theirs in _conflicts(output, "consumer")
    assert control_plane.record_target(zone, ours) == control_plane.consumer_target.lower()

    # The twin withdrawing everything it owns removes its name and nothing of ours.
    existing = _listed(control_plane, zone)
    plan = plan_zone("consumer", twin, [], existing)
    assert {group.name for group in plan.groups} == {theirs}
    _apply(control_plane, zone, [c for g in plan.groups for c in g.changes])
    assert control_plane.record_target(zone, ours) == control_plane.consumer_target.lower()


def _listed(control_plane: Any, zone_id: str) -> list[RecordSet]:
    from lattice_ingress.adapters.route53 import list_records

    return list_records(control_plane.client("route53"), zone_id)


# -- 3. Route 53 writes scoped by condition keys -----------------------------------------
@pytest.mark.parametrize(
    ("label", "record_type", "value", "outside"),
    [
        ("mx", "MX", "10 mail.example.net", False),  # a type the stack never writes
        ("ns", "NS", "ns1.example.net", False),  # delegating a subdomain away
        ("out", "CNAME", "x.example.net", True),  # a name outside the zone's domain
    ],
)
def test_given_sync_dns_role_when_it_changes_other_types_or_names_then_access_denied(
    control_plane, label, record_type, value, outside
):
    role = _function(control_plane, "SyncDnsFunction")["Role"]
    route53 = _as_role(control_plane, role, "route53")
    domain = "elsewhere.example.org" if outside else control_plane.domain
    name = f"{control_plane.unique(label)}.{domain}"

    with pytest.raises(ClientError) as refused:
        route53.change_resource_record_sets(
            HostedZoneId=control_plane.consumer_zone_id,
            ChangeBatch={
                "Changes": [
                    {
                        "Action": "CREATE",
                        "ResourceRecordSet": {
                            "Name": name,
                            "Type": record_type,
                            "TTL": 60,
                            "ResourceRecords": [{"Value": value}],
                        },
                    }
                ]
            },
        )

    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    assert "route53:ChangeResourceRecordSets" in refused.value.response["Error"]["Message"]
    assert (name, record_type) not in control_plane.records(control_plane.consumer_zone_id)


def test_given_sync_dns_role_when_it_writes_a_cname_under_the_zone_then_allowed(control_plane):
    """The other side of the fence: what the stack writes still passes."""
    role = _function(control_plane, "SyncDnsFunction")["Role"]
    route53 = _as_role(control_plane, role, "route53")
    name = f"{control_plane.unique('allowed')}.{control_plane.domain}"
    change = {
        "ResourceRecordSet": {
            "Name": name,
            "Type": "CNAME",
            "TTL": 60,
            "ResourceRecords": [{"Value": "x.example.net"}],
        }
    }

    route53.change_resource_record_sets(
        HostedZoneId=control_plane.consumer_zone_id,
        ChangeBatch={"Changes": [{"Action": "CREATE", **change}]},
    )
    route53.change_resource_record_sets(
        HostedZoneId=control_plane.consumer_zone_id,
        ChangeBatch={"Changes": [{"Action": "DELETE", **change}]},
    )


def test_given_converge_role_when_it_creates_a_record_then_access_denied(control_plane):
    """Converge may only delete (its zone scope is "*", for a replaced zone)."""
    role = _function(control_plane, "ConvergeFunction")["Role"]
    route53 = _as_role(control_plane, role, "route53")

    with pytest.raises(ClientError) as refused:
        route53.change_resource_record_sets(
            HostedZoneId=control_plane.consumer_zone_id,
            ChangeBatch={
                "Changes": [
                    {
                        "Action": "CREATE",
                        "ResourceRecordSet": {
                            "Name": f"{control_plane.unique('conv')}.{control_plane.domain}",
                            "Type": "CNAME",
                            "TTL": 60,
                            "ResourceRecords": [{"Value": "x.example.net"}],
                        },
                    }
                ]
            },
        )

    assert refused.value.response["Error"]["Code"] == "AccessDenied"


def test_given_other_role_when_it_reads_the_ownership_key_then_access_denied(control_plane):
    """Only the DNS writers may read the signing key; the renderer, say, may not."""
    secret_arn = _env(control_plane, "SyncDnsFunction")["OWNERSHIP_SECRET_ARN"]
    sync_role = _function(control_plane, "SyncDnsFunction")["Role"]
    key = _as_role(control_plane, sync_role, "secretsmanager").get_secret_value(SecretId=secret_arn)
    assert len(key["SecretString"]) == 64
    render_role = _function(control_plane, "RenderConfigFunction")["Role"]
    with pytest.raises(ClientError) as refused:
        _as_role(control_plane, render_role, "secretsmanager").get_secret_value(SecretId=secret_arn)
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"


# -- 4. the config key write guard -------------------------------------------------------
def _unrelated_role(control_plane: Any, *actions: str) -> str:
    iam = control_plane.client("iam")
    name = f"unrelated-{uuid.uuid4().hex[:8]}"
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"][
        "Arn"
    ]
    iam.put_role_policy(
        RoleName=name,
        PolicyName="broad",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
            }
        ),
    )
    return str(arn)


def test_given_unrelated_role_with_broad_put_when_it_writes_the_config_then_denied(control_plane):
    bucket = control_plane.outputs["ConfigBucketName"]
    key = control_plane.outputs["ConfigObjectKey"]
    role = _unrelated_role(
        control_plane, "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"
    )
    s3 = _as_role(control_plane, role, "s3")
    before = control_plane.config_versions()
    relay = b"stream { server { listen 443; proxy_pass $ssl_preread_server_name:443; } }"

    for attempt in (
        lambda: s3.put_object(Bucket=bucket, Key=key, Body=relay),
        lambda: s3.delete_object(Bucket=bucket, Key=key),
        lambda: s3.delete_object(Bucket=bucket, Key=key, VersionId=before[0]),
    ):
        with pytest.raises(ClientError) as refused:
            attempt()
        assert refused.value.response["Error"]["Code"] == "AccessDenied"
        assert (
            "explicit deny in a resource-based policy" in refused.value.response["Error"]["Message"]
        )

    assert control_plane.config_versions() == before
    # Its grant is real: another key of the bucket takes the write.
    s3.put_object(Bucket=bucket, Key="scratch/unrelated.txt", Body=b"ok")


def test_given_render_role_when_it_writes_the_config_then_allowed(control_plane):
    bucket = control_plane.outputs["ConfigBucketName"]
    key = control_plane.outputs["ConfigObjectKey"]
    role = _function(control_plane, "RenderConfigFunction")["Role"]
    current = control_plane.config_text()

    _as_role(control_plane, role, "s3").put_object(Bucket=bucket, Key=key, Body=current.encode())

    assert control_plane.config_text() == current
