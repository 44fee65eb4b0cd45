"""Two accounts: a member account in MemberAccountIds forwards its Lattice CloudTrail events
(through spoke/template.yaml's rule) to the stack's member event bus, which starts a pass;
an account outside the list is refused by the bus's resource policy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from embedded_aws.intrinsics import load_template

pytestmark = pytest.mark.timeout(600)

REPO = Path(__file__).resolve().parents[2]
MEMBER = "111111111111"
FOREIGN = "222222222222"


@pytest.fixture(scope="module")
def stack_params() -> dict[str, str]:
    return {"MemberAccountIds": MEMBER}


def account_client(embedded: Any, account_id: str, service: str) -> Any:
    """A client acting as `account_id` (moto maps assumed-role credentials to the role's
    account, as STS does)."""
    credentials = embedded.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/admin", RoleSessionName="spoke-test"
    )["Credentials"]
    return boto3.client(
        service,
        endpoint_url=embedded.endpoint,
        region_name=embedded.region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def deploy_spoke(embedded: Any, account_id: str, hub_bus_arn: str) -> None:
    """spoke/template.yaml's forwarding rule, created in `account_id` as the template says."""
    rule = load_template(REPO / "spoke" / "template.yaml")["Resources"]["ForwardLatticeEvents"]
    events = account_client(embedded, account_id, "events")
    events.put_rule(
        Name="lattice-ingress-spoke",
        EventPattern=json.dumps(rule["Properties"]["EventPattern"]),
        State="ENABLED",
    )
    events.put_targets(
        Rule="lattice-ingress-spoke",
        Targets=[{"Id": "hub", "Arn": hub_bus_arn, "RoleArn": f"arn:aws:iam::{account_id}:role/x"}],
    )


def create_member_service(embedded: Any, account_id: str, name: str, domain: str) -> str:
    lattice = account_client(embedded, account_id, "vpc-lattice")
    service_id: str = lattice.create_service(name=name, customDomainName=domain)["id"]
    return service_id


def test_member_bus_accepts_only_listed_accounts(control_plane):
    arn = control_plane.outputs["MemberEventBusArn"]
    policy = json.loads(
        control_plane.client("events").describe_event_bus(Name=arn.split("/", 1)[1])["Policy"]
    )
    principals = [s["Principal"] for s in policy["Statement"]]
    assert principals == [{"AWS": [MEMBER]}]


def test_member_event_starts_a_pass_and_foreign_event_is_refused(embedded, control_plane):
    hub_bus = control_plane.outputs["MemberEventBusArn"]
    deploy_spoke(embedded, MEMBER, hub_bus)
    deploy_spoke(embedded, FOREIGN, hub_bus)
    control_plane.wait_idle()

    create_member_service(embedded, FOREIGN, "foreign", f"foreign.{control_plane.domain}")
    refused = control_plane.wait_idle()
    create_member_service(embedded, MEMBER, "member", f"member.{control_plane.domain}")
    accepted = control_plane.wait_idle()

    assert refused == [], "an account outside MemberAccountIds started a pass"
    assert len(accepted) == 1
    sfn = control_plane.client("stepfunctions")
    started_by = json.loads(
        sfn.describe_execution(executionArn=accepted[0]["executionArn"])["input"]
    )
    assert started_by["account"] == MEMBER
    assert started_by["detail"]["eventName"] == "CreateService"
    assert accepted[0]["status"] == "SUCCEEDED"


def test_member_service_shared_with_the_network_owner_is_published_on_its_event(
    embedded, control_plane, set_rules, admin
):
    """A service OWNED BY the member account, shared with this account through RAM and
    associated with the watched network, is published by the pass its CreateService event
    starts: records in both zones and a route, upstream its own (member-account) DNS name."""
    from embedded_aws.compat import cloudtrail

    deploy_spoke(embedded, MEMBER, control_plane.outputs["MemberEventBusArn"])
    control_plane.wait_idle()
    name = control_plane.unique("payroll")
    domain = f"{name}.{control_plane.domain}"
    member_lattice = account_client(embedded, MEMBER, "vpc-lattice")
    # The stack's own rules are off, so this account's association event (which would start
    # a pass of its own) cannot be what publishes the service: only the member event can.
    set_rules(enabled=False)
    try:
        # CloudTrail takes minutes on AWS: the CreateService event arrives after the owner
        # has shared the service and the network owner has associated it.
        with cloudtrail.delayed_delivery():
            service = member_lattice.create_service(name=name, customDomainName=domain)
            account_client(embedded, MEMBER, "ram").create_resource_share(
                name=name, resourceArns=[service["arn"]], principals=[embedded.account_id]
            )
            control_plane.client("vpc-lattice").create_service_network_service_association(
                serviceIdentifier=service["arn"],
                serviceNetworkIdentifier=control_plane.service_network_id,
            )
            unpublished = control_plane.record_target(control_plane.consumer_zone_id, domain)
        executions = control_plane.wait_idle()
    finally:
        set_rules(enabled=True)

    assert unpublished is None
    assert len(executions) == 1
    started_by = json.loads(
        control_plane.client("stepfunctions").describe_execution(
            executionArn=executions[0]["executionArn"]
        )["input"]
    )
    assert (started_by["account"], started_by["detail"]["eventName"]) == (MEMBER, "CreateService")
    assert executions[0]["status"] == "SUCCEEDED"
    member_dns = member_lattice.get_service(serviceIdentifier=service["id"])["dnsEntry"]
    assert control_plane.record_target(control_plane.consumer_zone_id, domain) == (
        control_plane.consumer_target.lower().rstrip(".")
    )
    proxy_target = control_plane.record_target(control_plane.proxy_zone_id, domain)
    assert proxy_target == member_dns["domainName"]
    routes = [line.split() for line in control_plane.config_text().splitlines()]
    assert [domain, f"{member_dns['domainName']};"] in routes  # stream and http maps
    explained = admin.json("explain", domain)
    assert explained["published"] is True, explained["reasons"]


def test_member_service_not_shared_cannot_join_the_network(embedded, control_plane):
    """Without a RAM share, the network owner cannot associate a member account's service
    (the embedded Lattice refuses it as AWS does; lenient moto would look it up and fail
    differently, or associate it)."""
    name = control_plane.unique("unshared")
    service = account_client(embedded, MEMBER, "vpc-lattice").create_service(
        name=name, customDomainName=f"{name}.{control_plane.domain}"
    )
    lattice = control_plane.client("vpc-lattice")

    with pytest.raises(lattice.exceptions.AccessDeniedException):
        lattice.create_service_network_service_association(
            serviceIdentifier=service["arn"],
            serviceNetworkIdentifier=control_plane.service_network_id,
        )

    listed = lattice.list_service_network_service_associations(
        serviceNetworkIdentifier=control_plane.service_network_id
    )["items"]
    assert service["arn"] not in {item["serviceArn"] for item in listed}
    control_plane.wait_idle()


def test_member_associating_its_service_with_the_shared_network_is_published_on_its_event(
    embedded, control_plane
):
    """The usual layout: the stack's account shares its service network with the member
    through RAM; the member associates its own service with it. That call's CloudTrail event
    is the member's, and the spoke-forwarded event's pass publishes the service."""
    deploy_spoke(embedded, MEMBER, control_plane.outputs["MemberEventBusArn"])
    lattice = control_plane.client("vpc-lattice")
    network_arn = lattice.get_service_network(
        serviceNetworkIdentifier=control_plane.service_network_id
    )["arn"]
    control_plane.client("ram").create_resource_share(
        name=control_plane.unique("network"), resourceArns=[network_arn], principals=[MEMBER]
    )
    name = control_plane.unique("ledger")
    domain = f"{name}.{control_plane.domain}"
    member_lattice = account_client(embedded, MEMBER, "vpc-lattice")
    service = member_lattice.create_service(name=name, customDomainName=domain)
    control_plane.wait_idle()
    unpublished = control_plane.record_target(control_plane.proxy_zone_id, domain)

    member_lattice.create_service_network_service_association(
        serviceIdentifier=service["id"], serviceNetworkIdentifier=network_arn
    )
    executions = control_plane.wait_idle()

    assert unpublished is None
    assert len(executions) == 1
    started_by = json.loads(
        control_plane.client("stepfunctions").describe_execution(
            executionArn=executions[0]["executionArn"]
        )["input"]
    )
    assert started_by["account"] == MEMBER
    assert started_by["detail"]["eventName"] == "CreateServiceNetworkServiceAssociation"
    assert executions[0]["status"] == "SUCCEEDED"
    [listed] = [
        item
        for item in lattice.list_service_network_service_associations(
            serviceNetworkIdentifier=control_plane.service_network_id
        )["items"]
        if item["serviceArn"] == service["arn"]
    ]
    assert listed["createdBy"] == MEMBER
    member_dns = member_lattice.get_service(serviceIdentifier=service["id"])["dnsEntry"]
    assert control_plane.record_target(control_plane.consumer_zone_id, domain) == (
        control_plane.consumer_target.lower().rstrip(".")
    )
    proxy_target = control_plane.record_target(control_plane.proxy_zone_id, domain)
    assert proxy_target == member_dns["domainName"]
    routes = [line.split() for line in control_plane.config_text().splitlines()]
    assert [domain, f"{member_dns['domainName']};"] in routes
