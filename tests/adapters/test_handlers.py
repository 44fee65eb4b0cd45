"""Handlers end to end against moto in-process: `app.lambda_handler(event, context)`."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from lattice_ingress.models.errors import InvalidInputError

from .conftest import Account, load_event
from .handlers import FakeLambdaContext, load_handler

# Handlers without a metric on a path (parse_trigger, lease) make Powertools warn; harmless.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")

CTX = FakeLambdaContext()
NLB = "ext-nlb-0123.elb.us-east-1.amazonaws.com"


def invoke(name: str, event: Any) -> dict[str, Any]:
    return load_handler(name).lambda_handler(event, CTX)


def reconcile(dry_run: bool = False, run: str = "run-1") -> dict[str, Any]:
    """One pass as the state machine runs it: writers prove they hold the lease."""
    holder = f"arn:x:execution:{run}"
    fenced: dict[str, Any] = {"dryRun": dry_run} if dry_run else {"dryRun": False, "holder": holder}
    if not dry_run:
        assert invoke("lease", {"action": "acquire", "holder": holder}) == {"acquired": True}
    discovery = invoke("discover", {"dryRun": dry_run, "executionId": holder})
    zones = {
        zone: invoke("sync_dns", {"zone": zone, "catalog": discovery["catalog"], **fenced})
        for zone in ("consumer", "proxy")
    }
    config = invoke("render_config", {"catalog": discovery["catalog"], **fenced})
    if not dry_run:
        invoke("lease", {"action": "release", "holder": holder})
    return {"discovery": discovery, **zones, "config": config}


def foreign_cname(account: Account, name: str) -> None:
    account.route53.change_resource_record_sets(
        HostedZoneId=account.consumer_zone,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": name,
                        "Type": "CNAME",
                        "TTL": 60,
                        "ResourceRecords": [{"Value": "someone-else.example.net"}],
                    },
                }
            ]
        },
    )


def config_text(account: Account) -> str:
    body = account.s3.get_object(Bucket=account.bucket, Key="nginx/nginx.conf")["Body"].read()
    return str(body.decode())


# -- parse_trigger --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event_file", "dry_run", "kind"),
    [
        ("manual-reconcile.json", False, "manual"),
        ("manual-dry-run.json", True, "manual"),
        ("cloudtrail-create-service.json", False, "cloudtrail"),
        ("cloudtrail-delete-service.json", False, "cloudtrail"),
        ("scheduled-reconcile.json", False, "schedule"),
        ("unparseable-event.json", False, "unknown"),
    ],
)
def test_given_sample_event_when_parse_trigger_then_contract_output(
    env: dict[str, str], event_file: str, dry_run: bool, kind: str
) -> None:
    result = invoke("parse_trigger", load_event(event_file))

    assert result["dryRun"] is dry_run
    assert result["trigger"]["kind"] == kind
    assert isinstance(result["reason"], str) and result["reason"]


def test_given_malformed_manual_input_when_parse_trigger_then_invalid_input_error(
    env: dict[str, str],
) -> None:
    with pytest.raises(InvalidInputError, match="dryrun"):
        invoke("parse_trigger", load_event("manual-invalid-unknown-key.json"))


def test_given_event_when_parse_trigger_then_log_correlation_id_is_event_id(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from lattice_ingress.observability import logger

    # The Logger keeps the stdout it found at import time; read its handler directly.
    stream = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", stream)
    event = load_event("cloudtrail-create-service.json")

    invoke("parse_trigger", event)

    logs = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert any(entry.get("correlation_id") == event["id"] for entry in logs)


# -- lease --------------------------------------------------------------------------------


def test_given_busy_lease_when_triggers_arrive_then_one_more_pass(account: Account) -> None:
    assert invoke("lease", {"action": "acquire", "holder": "a"}) == {"acquired": True}
    assert invoke("lease", {"action": "acquire", "holder": "b"}) == {"acquired": False}
    assert invoke("lease", {"action": "acquire", "holder": "c"}) == {"acquired": False}

    assert invoke("lease", {"action": "release", "holder": "a"}) == {"again": True}
    assert invoke("lease", {"action": "release", "holder": "a"}) == {"again": False}


# -- discover / sync_dns / render_config -----------------------------------------------------


def test_given_services_when_reconciled_then_good_published_and_bad_rejected(
    account: Account,
) -> None:
    good = account.associate("orders.example.com")
    account.associate("evil;{.example.com")
    account.associate("orders.other.net")
    account.associate("pending.example.com", status="CREATE_IN_PROGRESS")
    foreign_cname(account, "taken.example.com")
    account.associate("taken.example.com")

    result = reconcile()

    discovery = result["discovery"]
    assert discovery["serviceCount"] == 2
    assert discovery["inProgressCount"] == 1
    assert discovery["rejectedCount"] == 2
    assert len(discovery["catalogHash"]) == 64
    # Content addressed: the key is the catalog's hash, so an unchanged state is not rewritten.
    assert discovery["catalog"]["key"] == f"catalog/{discovery['catalogHash']}.json"

    consumer = account.records(account.consumer_zone)
    assert consumer[("orders.example.com", "CNAME")]["ResourceRecords"] == [{"Value": NLB}]
    txt = consumer[("_lattice-ingress.orders.example.com", "TXT")]["ResourceRecords"][0]["Value"]
    assert f"service={good}" in txt and "owner=lattice-ingress-test" in txt
    assert consumer[("taken.example.com", "CNAME")]["ResourceRecords"] == [
        {"Value": "someone-else.example.net"}
    ]
    assert [c["name"] for c in result["consumer"]["conflicts"]] == ["taken.example.com"]
    assert result["consumer"]["changed"] == 1 and result["consumer"]["batches"] == 1

    proxy = account.records(account.proxy_zone)
    lattice_name = proxy[("orders.example.com", "CNAME")]["ResourceRecords"][0]["Value"]
    assert lattice_name.endswith(".vpc-lattice-svcs.us-east-1.on.aws")
    assert ("taken.example.com", "CNAME") in proxy  # free in the proxy zone
    assert result["proxy"]["conflictCount"] == 0

    assert result["config"]["changed"] is True
    assert result["config"]["serviceCount"] == 2
    assert result["config"]["previousVersionId"] is None
    text = config_text(account)
    assert "orders.example.com" in text and lattice_name in text
    assert "evil" not in text and "other.net" not in text


def test_given_nothing_changed_when_reconciled_again_then_no_write(account: Account) -> None:
    account.associate("orders.example.com")
    first = reconcile(run="run-1")

    second = reconcile(run="run-2")

    assert second["discovery"]["catalogHash"] == first["discovery"]["catalogHash"]
    for zone in ("consumer", "proxy"):
        assert (second[zone]["changed"], second[zone]["batches"]) == (0, 0)
        assert second[zone]["summary"]["unchanged"] == 1
    assert second["config"]["changed"] is False
    assert second["config"]["versionId"] == first["config"]["versionId"]
    versions = account.s3.list_object_versions(Bucket=account.bucket, Prefix="nginx/")
    assert len(versions["Versions"]) == 1
    # The catalog is content addressed: the second run finds it stored and writes nothing.
    assert second["discovery"]["catalog"] == first["discovery"]["catalog"]
    catalogs = account.s3.list_object_versions(Bucket=account.bucket, Prefix="catalog/")
    assert len(catalogs["Versions"]) == 1


def test_given_deleted_service_when_reconciled_then_owned_records_removed_only(
    account: Account,
) -> None:
    service_id = account.associate("orders.example.com")
    account.associate("keep.example.com")
    foreign_cname(account, "foreign.example.com")
    first = reconcile(run="run-1")
    backend = account.backend()
    for assoc_id, assoc in list(backend.service_network_service_associations.items()):
        if assoc.service_id == service_id:
            del backend.service_network_service_associations[assoc_id]

    second = reconcile(run="run-2")

    consumer = account.records(account.consumer_zone)
    assert ("orders.example.com", "CNAME") not in consumer
    assert ("_lattice-ingress.orders.example.com", "TXT") not in consumer
    assert ("keep.example.com", "CNAME") in consumer
    assert ("foreign.example.com", "CNAME") in consumer
    assert ("orders.example.com", "CNAME") not in account.records(account.proxy_zone)
    assert [e["action"] for e in second["consumer"]["plan"]] == ["delete"]
    assert second["config"]["changed"] is True
    assert second["config"]["previousVersionId"] == first["config"]["versionId"]
    assert "orders.example.com" not in config_text(account)


def test_given_dry_run_when_reconciled_then_plan_reported_and_nothing_written(
    account: Account,
) -> None:
    account.associate("orders.example.com")

    result = reconcile(dry_run=True)

    plan = result["consumer"]["plan"]
    assert [(e["name"], e["zone"], e["action"], e["type"]) for e in plan] == [
        ("orders.example.com", "consumer", "create", "CNAME")
    ]
    assert plan[0]["target"] == NLB
    assert result["consumer"]["changed"] == 0 and result["consumer"]["dryRun"] is True
    assert result["config"]["changed"] is True and result["config"]["versionId"] is None
    assert ("orders.example.com", "CNAME") not in account.records(account.consumer_zone)
    assert "Versions" not in account.s3.list_object_versions(Bucket=account.bucket, Prefix="nginx/")


def test_given_deleted_record_when_reconciled_then_drift_repaired(account: Account) -> None:
    account.associate("orders.example.com")
    reconcile(run="run-1")
    record = account.records(account.consumer_zone)[("orders.example.com", "CNAME")]
    account.route53.change_resource_record_sets(
        HostedZoneId=account.consumer_zone,
        ChangeBatch={"Changes": [{"Action": "DELETE", "ResourceRecordSet": record}]},
    )

    result = reconcile(run="run-2")

    assert [e["action"] for e in result["consumer"]["plan"]] == ["update"]
    assert ("orders.example.com", "CNAME") in account.records(account.consumer_zone)
    assert result["config"]["changed"] is False


def test_given_large_plan_when_synced_then_plan_goes_to_s3_by_reference(
    account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lattice_ingress.settings import get_settings

    monkeypatch.setenv("PLAN_INLINE_LIMIT", "2")
    get_settings.cache_clear()
    for i in range(3):
        account.associate(f"s{i}.example.com")

    result = reconcile(dry_run=True)

    consumer = result["consumer"]
    assert consumer["plan"] is None
    ref = consumer["planRef"]
    stored = json.loads(account.s3.get_object(Bucket=ref["bucket"], Key=ref["key"])["Body"].read())
    assert sorted(e["name"] for e in stored) == [f"s{i}.example.com" for i in range(3)]
    assert consumer["summary"]["create"] == 3


def test_given_config_versions_when_restored_then_previous_is_current(account: Account) -> None:
    account.associate("orders.example.com")
    first = reconcile(run="run-1")["config"]
    account.associate("more.example.com")
    second = reconcile(run="run-2")["config"]
    assert second["previousVersionId"] == first["versionId"]

    invoke("lease", {"action": "acquire", "holder": "run-2"})
    restored = invoke(
        "restore_config",
        {
            "versionId": second["previousVersionId"],
            "publishedVersionId": second["versionId"],
            "holder": "run-2",
        },
    )

    assert restored["restoredVersionId"] not in (None, first["versionId"], second["versionId"])
    assert "more.example.com" not in config_text(account)


def test_given_no_previous_version_when_restore_then_nothing_restored(account: Account) -> None:
    assert invoke("restore_config", {"versionId": None, "holder": "run-1"}) == {
        "restoredVersionId": None,
        "skipped": "no previous version",
    }


def test_given_conflict_when_synced_then_conflict_metric_emitted(
    account: Account, capfd: pytest.CaptureFixture[str]
) -> None:
    foreign_cname(account, "taken.example.com")
    account.associate("taken.example.com")
    discovery = invoke("discover", {"dryRun": False, "executionId": "run"})
    capfd.readouterr()

    invoke("lease", {"action": "acquire", "holder": "run"})
    invoke(
        "sync_dns",
        {"zone": "consumer", "catalog": discovery["catalog"], "dryRun": False, "holder": "run"},
    )

    emf = [json.loads(line) for line in capfd.readouterr().out.splitlines() if "_aws" in line]
    assert emf and emf[-1]["DnsConflicts"] == [1.0]


ENDPOINT_NAME = (
    "vpce-0123456789abcdef0-snsa-0123456789abcdef0.7d67968.vpc-lattice-svcs.us-east-1.on.aws"
)


def test_given_endpoint_mode_when_reconciled_then_proxy_zone_targets_endpoint_names(
    account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.stub import Stubber

    from lattice_ingress.adapters.clients import client

    monkeypatch.setenv("SERVICE_NETWORK_ENDPOINT_ID", "vpce-0123456789abcdef0")
    service_id = account.associate("orders.example.com")
    account.associate("unexposed.example.com")
    ec2 = client("ec2")  # the cached client the handler will use
    with Stubber(ec2) as stub:
        stub.add_response(
            "describe_vpc_endpoint_associations",
            {
                "VpcEndpointAssociations": [
                    {
                        "Id": "vpce-rsc-asc-0123456789abcdef0",
                        "VpcEndpointId": "vpce-0123456789abcdef0",
                        "AssociatedResourceArn": (
                            f"arn:aws:vpc-lattice:us-east-1:123456789012:service/{service_id}"
                        ),
                        "DnsEntry": {"DnsName": ENDPOINT_NAME, "HostedZoneId": "ZVPCE"},
                    }
                ]
            },
            {"VpcEndpointIds": ["vpce-0123456789abcdef0"]},
        )
        result = reconcile()

    proxy = account.records(account.proxy_zone)
    assert proxy[("orders.example.com", "CNAME")]["ResourceRecords"] == [{"Value": ENDPOINT_NAME}]
    assert ("unexposed.example.com", "CNAME") not in proxy
    assert [r["domain"] for r in result["discovery"]["rejected"]] == ["unexposed.example.com"]
    assert ENDPOINT_NAME in config_text(account)


def test_given_5000_services_when_dry_run_then_results_stay_small(account: Account) -> None:
    account.bulk_associate([f"s{i:04d}.example.com" for i in range(5000)])

    result = reconcile(dry_run=True)

    assert result["discovery"]["serviceCount"] == 5000
    assert result["consumer"]["summary"]["create"] == 5000
    assert result["consumer"]["batches"] >= 10  # 10,000 record elements at least
    assert result["consumer"]["planRef"] is not None
    for part in ("discovery", "consumer", "proxy", "config"):
        assert len(json.dumps(result[part])) < 200_000 // 4


def test_given_dualstack_nlb_when_reconciled_then_aaaa_beside_a_and_removed_with_it(
    account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lattice_ingress.settings import get_settings

    monkeypatch.setenv("RECORD_TYPE", "ALIAS")
    monkeypatch.setenv("NLB_IP_ADDRESS_TYPE", "dualstack")
    get_settings.cache_clear()
    account.associate("orders.example.com")

    reconcile(run="run-1")

    consumer = account.records(account.consumer_zone)
    a, aaaa = consumer[("orders.example.com", "A")], consumer[("orders.example.com", "AAAA")]
    assert a["AliasTarget"] == aaaa["AliasTarget"]

    monkeypatch.setenv("NLB_IP_ADDRESS_TYPE", "ipv4")  # the stack updated to IPv4 NLBs
    get_settings.cache_clear()
    result = reconcile(run="run-2")

    assert [e["action"] for e in result["consumer"]["plan"]] == ["update"]
    consumer = account.records(account.consumer_zone)
    assert ("orders.example.com", "A") in consumer
    assert ("orders.example.com", "AAAA") not in consumer
