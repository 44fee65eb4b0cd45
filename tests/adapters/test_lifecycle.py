"""The stack life-cycle steps (reconcile/lifecycle.py) and the custom resource answer
(adapters/cfn_response.py) against moto: the deny-all bootstrap, the withdrawal of owned
records (and only those), and FAILED answers for failures."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest

from lattice_ingress.adapters.cfn_response import run_custom_resource
from lattice_ingress.adapters.secrets import stack_ownership
from lattice_ingress.logic.dns_records import registry_value
from lattice_ingress.models.dns import RecordSet
from lattice_ingress.reconcile.lifecycle import bootstrap_config, withdraw_owned
from lattice_ingress.settings import Settings

from .conftest import Account


def put(account: Account, zone: str, name: str, kind: str, value: str) -> None:
    account.route53.change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": name,
                        "Type": kind,
                        "TTL": 300,
                        "ResourceRecords": [{"Value": value}],
                    },
                }
            ]
        },
    )


def test_withdraw_deletes_owned_records_and_nothing_else(account: Account) -> None:
    zone = account.consumer_zone
    settings = Settings.from_env()
    ours = RecordSet(name="ours.example.com", type="CNAME", ttl=300, values=("nlb.example.net",))
    marker = stack_ownership(settings).marker("ours.example.com", "svc-1", [ours])
    put(account, zone, "ours.example.com", "CNAME", "nlb.example.net")
    put(account, zone, "_lattice-ingress.ours.example.com", "TXT", marker.values[0])
    put(account, zone, "theirs.example.com", "CNAME", "nlb.example.net")
    put(
        account,
        zone,
        "_lattice-ingress.theirs.example.com",
        "TXT",
        registry_value("other-stack", "svc-2"),
    )
    put(account, zone, "hand.example.com", "CNAME", "somewhere.example.net")
    # Our owner id copied beside someone's record: no signature, so not ours to delete.
    put(
        account,
        zone,
        "_lattice-ingress.hand.example.com",
        "TXT",
        registry_value(settings.owner_id, "svc-3"),
    )

    assert withdraw_owned(zone, settings) == 2
    names = {(name, kind) for name, kind in account.records(zone)}
    assert ("ours.example.com", "CNAME") not in names
    assert ("_lattice-ingress.ours.example.com", "TXT") not in names
    assert {("theirs.example.com", "CNAME"), ("hand.example.com", "CNAME")} <= names
    assert withdraw_owned(zone, settings) == 0  # nothing left: no call, no change


def test_bootstrap_publishes_the_deny_all_config_once(account: Account) -> None:
    settings = Settings.from_env()
    physical_id, data = bootstrap_config(settings)
    assert physical_id == "s3://config-bucket/nginx/nginx.conf"
    assert data["Published"] == "true"
    head = account.s3.head_object(Bucket="config-bucket", Key="nginx/nginx.conf")
    assert head["Metadata"]["service-count"] == "0"
    _, again = bootstrap_config(settings)
    assert again == {"Published": "false", "VersionId": data["VersionId"]}
    versions = account.s3.list_object_versions(Bucket="config-bucket")["Versions"]
    assert len(versions) == 1  # an existing config is never overwritten by the bootstrap


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_PUT(self) -> None:
        length = int(self.headers["Content-Length"])
        type(self).received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def response_url() -> Iterator[str]:
    _Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/response?signed"
    finally:
        server.shutdown()


def request(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "RequestType": "Create",
        "ResponseURL": url,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
        "RequestId": "r-1",
        "LogicalResourceId": "Thing",
        "ResourceProperties": {},
        **extra,
    }


def test_a_failure_is_answered_failed_with_its_reason(response_url: str) -> None:
    def work() -> tuple[str, dict[str, str]]:
        raise RuntimeError("zone is gone")

    run_custom_resource(request(response_url), work)
    (answer,) = _Receiver.received
    assert answer["Status"] == "FAILED"
    assert answer["Reason"] == "RuntimeError: zone is gone"
    assert answer["PhysicalResourceId"] == "Thing"  # a failed Create has no resource yet
    assert (answer["StackId"], answer["RequestId"], answer["LogicalResourceId"]) == (
        "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
        "r-1",
        "Thing",
    )


def test_success_carries_the_physical_id_and_data(response_url: str) -> None:
    run_custom_resource(
        request(response_url, RequestType="Update", PhysicalResourceId="p-1"),
        lambda: ("p-1", {"ExecutionArn": "arn:x"}),
    )
    (answer,) = _Receiver.received
    assert (answer["Status"], answer["PhysicalResourceId"], answer["Data"]) == (
        "SUCCESS",
        "p-1",
        {"ExecutionArn": "arn:x"},
    )
