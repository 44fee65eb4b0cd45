"""Adapter and handler tests against moto in-process (`mock_aws`): a fresh account per test.

moto 5.2's Lattice association copies the service's generated DNS entry into
`customDomainName` (and the service's dnsEntry is the custom domain itself); `associate`
below rewrites the backend objects into the shape AWS returns, so the adapters are tested
against the AWS API, not against that emulator difference."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from lattice_ingress.adapters import clients, secrets
from lattice_ingress.settings import get_settings

REGION = "us-east-1"
EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"


@dataclass
class Account:
    lattice: Any
    route53: Any
    s3: Any
    dynamodb: Any
    network_id: str
    consumer_zone: str
    proxy_zone: str
    bucket: str
    table: str

    def associate(self, domain: str | None, status: str = "ACTIVE") -> str:
        """A service with `domain`, associated with the network; returns the service id."""
        from moto.backends import get_backend

        kwargs = {"customDomainName": domain} if domain else {}
        name = f"svc{len(self.backend().services)}"
        service = self.lattice.create_service(name=name, **kwargs)
        assoc = self.lattice.create_service_network_service_association(
            serviceNetworkIdentifier=self.network_id, serviceIdentifier=service["id"]
        )
        backend = get_backend("vpc-lattice")["123456789012"][REGION]
        item = backend.service_network_service_associations[assoc["id"]]
        item.custom_domain_name = domain or ""
        item.dns_entry.domain_name = (
            f"{name}-{service['id'][4:]}.7d67968.vpc-lattice-svcs.{REGION}.on.aws"
        )
        item.status = status
        return str(service["id"])

    def bulk_associate(self, domains: list[str]) -> None:
        """Many ACTIVE associations straight into moto's backend (the API path is slow)."""
        from moto.vpclattice.models import VPCLatticeServiceNetworkServiceAssociation

        backend = self.backend()
        for index, domain in enumerate(domains):
            assoc = VPCLatticeServiceNetworkServiceAssociation(
                REGION, "123456789012", self.network_id, f"svc-bulk{index:013d}", "t", None
            )
            assoc.custom_domain_name = domain
            assoc.dns_entry.domain_name = f"bulk{index}.7d67968.vpc-lattice-svcs.{REGION}.on.aws"
            backend.service_network_service_associations[assoc.id] = assoc

    def backend(self) -> Any:
        from moto.backends import get_backend

        return get_backend("vpc-lattice")["123456789012"][REGION]

    def records(self, zone_id: str) -> dict[tuple[str, str], Any]:
        paginator = self.route53.get_paginator("list_resource_record_sets")
        return {
            (r["Name"].rstrip("."), r["Type"]): r
            for page in paginator.paginate(HostedZoneId=zone_id)
            for r in page["ResourceRecordSets"]
        }


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "LatticeIngressTest",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


@pytest.fixture
def account(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Account]:
    with mock_aws():
        clients.client.cache_clear()
        get_settings.cache_clear()
        secrets.secret_bytes.cache_clear()
        lattice = boto3.client("vpc-lattice", region_name=REGION)
        route53 = boto3.client("route53", region_name=REGION)
        s3 = boto3.client("s3", region_name=REGION)
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        network_id = lattice.create_service_network(name="ingress")["id"]
        consumer = route53.create_hosted_zone(Name="example.com", CallerReference="c")
        proxy = route53.create_hosted_zone(
            Name="example.com",
            CallerReference="p",
            HostedZoneConfig={"PrivateZone": True, "Comment": "proxy"},
            VPC={"VPCRegion": REGION, "VPCId": "vpc-12345678"},
        )
        secret_arn = boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name="ownership-key", SecretString="test-ownership-key"
        )["ARN"]
        s3.create_bucket(Bucket="config-bucket")
        s3.put_bucket_versioning(
            Bucket="config-bucket", VersioningConfiguration={"Status": "Enabled"}
        )
        dynamodb.create_table(
            TableName="lease",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        acct = Account(
            lattice=lattice,
            route53=route53,
            s3=s3,
            dynamodb=dynamodb,
            network_id=network_id,
            consumer_zone=consumer["HostedZone"]["Id"].split("/")[-1],
            proxy_zone=proxy["HostedZone"]["Id"].split("/")[-1],
            bucket="config-bucket",
            table="lease",
        )
        control_plane = {
            "SERVICE_NETWORK_ID": network_id,
            "CONSUMER_ZONE_ID": acct.consumer_zone,
            "PROXY_ZONE_ID": acct.proxy_zone,
            "CONSUMER_TARGET_DNS": "ext-nlb-0123.elb.us-east-1.amazonaws.com",
            "CONSUMER_TARGET_ZONE_ID": "Z26RNL4JYFTOTI",
            "RECORD_TYPE": "CNAME",
            "SERVICE_NETWORK_ENDPOINT_ID": "",
            "CONFIG_BUCKET": "config-bucket",
            "CONFIG_KEY": "nginx/nginx.conf",
            "CATALOG_PREFIX": "catalog/",
            "LEASE_TABLE": "lease",
            "LEASE_TTL_SECONDS": "300",
            "OWNER_ID": "lattice-ingress-test",
            "OWNERSHIP_SECRET_ARN": secret_arn,
            "VPC_CIDRS": "10.0.0.0/16",
            "ALLOWED_CLIENT_CIDRS": "0.0.0.0/0",
            "TLS_PORTS": "443",
            "HTTP_PORT": "80",
        }
        for key, value in control_plane.items():
            monkeypatch.setenv(key, value)
        yield acct
        clients.client.cache_clear()
        get_settings.cache_clear()
        secrets.secret_bytes.cache_clear()


def load_event(name: str) -> Any:
    return json.loads((EVENTS_DIR / name).read_text())
