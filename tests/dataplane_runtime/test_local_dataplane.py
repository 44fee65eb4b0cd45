"""LocalDataPlane end to end: emulated Lattice services, a config rendered by the real
renderer and published to the emulated S3, real NGINX behind the task entrypoint."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from runtime_helpers import eventually

from embedded_aws.dataplane import LocalDataPlane, LocalDataPlaneError
from lattice_ingress.logic.nginx_config import ProxyOptions, render_nginx_config

pytestmark = pytest.mark.dataplane

CONFIG_KEY = "nginx/nginx.conf"


@pytest.fixture
def lattice_service(embedded: Any) -> Callable[[str], tuple[str, str]]:
    """Create a Lattice service with a custom domain; returns (custom domain, dnsEntry)."""
    lattice = embedded.client("vpc-lattice")

    def _create(prefix: str) -> tuple[str, str]:
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        domain = f"{name}.example.com"
        created = lattice.create_service(name=name, customDomainName=domain)
        dns_name = lattice.get_service(serviceIdentifier=created["id"])["dnsEntry"]["domainName"]
        return domain, dns_name

    return _create


@pytest.fixture
def proxy_service(embedded: Any) -> dict[str, str]:
    ecs = embedded.client("ecs")
    cluster = f"proxy-{uuid.uuid4().hex[:8]}"
    ecs.create_cluster(clusterName=cluster)
    ecs.register_task_definition(
        family=cluster, containerDefinitions=[{"name": "nginx", "image": "nginx", "memory": 512}]
    )
    ecs.create_service(cluster=cluster, serviceName="proxy", taskDefinition=cluster, desiredCount=1)
    return {"ClusterName": cluster, "ProxyServiceName": "proxy"}


@pytest.fixture
def stack(
    embedded: Any, config_bucket: str, proxy_service: dict[str, str]
) -> Iterator[tuple[dict[str, str], Callable[[dict[str, str]], None]]]:
    """What the deploy would give: overrides from reserve() echoed in the outputs."""
    overrides = LocalDataPlane.reserve(embedded)
    outputs = {
        **proxy_service,
        "ConfigBucketName": config_bucket,
        "ConfigObjectKey": CONFIG_KEY,
        "RolloutMode": "redeploy",
        "ConfiguredTlsPorts": overrides["ProxyTlsPorts"],
        "ConfiguredHttpPort": overrides["ProxyHttpPort"],
        "ConfiguredResolverAddress": overrides["ResolverAddress"],
    }
    options = ProxyOptions(
        vpc_cidrs=[overrides["VpcCidr"]],
        allowed_client_cidrs=[overrides["AllowedClientCidrs"]],
        resolver=overrides["ResolverAddress"],
        resolver_valid_seconds=1,
        tls_ports=[int(overrides["ProxyTlsPorts"])],
        http_port=int(overrides["ProxyHttpPort"]),
        listen_address=overrides["ProxyListenAddress"],
    )
    s3 = embedded.client("s3")

    def publish(routes: dict[str, str]) -> None:
        text = render_nginx_config(routes, options)
        s3.put_object(Bucket=config_bucket, Key=CONFIG_KEY, Body=text.encode())

    yield outputs, publish


def curl_tls(plane: LocalDataPlane, port: int, domain: str) -> dict[str, Any]:
    result = subprocess.run(
        ["curl", "-sS", "--max-time", "10", "--haproxy-protocol", "--cacert", str(plane.ca_path),
         "--resolve", f"{domain}:{port}:127.0.0.1", f"https://{domain}:{port}/tls"],
        capture_output=True, text=True, timeout=20, check=True,
    )  # fmt: skip
    return dict(json.loads(result.stdout))


def curl_http(port: int, domain: str) -> dict[str, Any]:
    result = subprocess.run(
        ["curl", "-sS", "--max-time", "10", "--haproxy-protocol", "-H", f"Host: {domain}",
         f"http://127.0.0.1:{port}/http"],
        capture_output=True, text=True, timeout=20, check=True,
    )  # fmt: skip
    return dict(json.loads(result.stdout))


def test_given_a_published_config_when_the_plane_starts_then_services_answer_by_sni_and_host(
    embedded: Any, stack: Any, lattice_service: Callable[[str], tuple[str, str]]
) -> None:
    outputs, publish = stack
    orders, orders_dns = lattice_service("orders")
    publish({orders: orders_dns})

    with LocalDataPlane(embedded, outputs) as plane:
        ports = {"ProxyTlsPort": int(outputs["ConfiguredTlsPorts"]),
                 "ProxyHttpPort": int(outputs["ConfiguredHttpPort"])}  # fmt: skip
        plane.task.wait_until_listening(ports["ProxyTlsPort"], timeout=60)
        plane.task.wait_until_listening(ports["ProxyHttpPort"], timeout=60)
        over_tls = curl_tls(plane, ports["ProxyTlsPort"], orders)
        over_http = curl_http(ports["ProxyHttpPort"], orders)

    assert over_tls["service"] == orders.split(".")[0]
    assert over_tls["scheme"] == "https"  # TLS ended at the stand-in, verified by curl
    assert over_http["service"] == orders.split(".")[0]
    assert over_http["host"] == orders


def test_given_a_running_plane_when_a_service_is_added_and_redeployed_then_it_answers(
    embedded: Any, stack: Any, lattice_service: Callable[[str], tuple[str, str]]
) -> None:
    outputs, publish = stack
    orders, orders_dns = lattice_service("orders")
    publish({orders: orders_dns})

    with LocalDataPlane(embedded, outputs) as plane:
        plane.task.wait_until_listening(int(outputs["ConfiguredHttpPort"]), timeout=60)
        billing, billing_dns = lattice_service("billing")
        publish({orders: orders_dns, billing: billing_dns})
        assert eventually(lambda: billing_dns in {s.dns_name for s in plane.services}, interval=0.1)
        embedded.client("ecs").update_service(
            cluster=outputs["ClusterName"], service=outputs["ProxyServiceName"],
            forceNewDeployment=True,
        )  # fmt: skip
        plane.task.wait_for_event("config_reloaded", timeout=60)
        answer = _retry(lambda: curl_http(int(outputs["ConfiguredHttpPort"]), billing))

    assert answer["service"] == billing.split(".")[0]


def test_given_a_running_plane_when_a_lattice_service_is_deleted_then_its_stand_in_goes(
    embedded: Any, stack: Any
) -> None:
    outputs, publish = stack
    lattice = embedded.client("vpc-lattice")
    name = f"gone-{uuid.uuid4().hex[:8]}"
    service_id = lattice.create_service(name=name, customDomainName=f"{name}.example.com")["id"]
    publish({})

    with LocalDataPlane(embedded, outputs) as plane:
        assert eventually(lambda: name in {s.name for s in plane.services}, interval=0.1)
        lattice.delete_service(serviceIdentifier=service_id)
        gone = eventually(lambda: name not in {s.name for s in plane.services}, interval=0.1)

    assert gone


def test_given_no_reservation_when_starting_then_it_refuses_with_a_clear_error(
    embedded: Any, config_bucket: str
) -> None:
    plane = LocalDataPlane(
        embedded,
        {"ConfigBucketName": config_bucket, "ConfigObjectKey": CONFIG_KEY,
         "ConfiguredResolverAddress": "127.0.0.1:9"},
    )  # fmt: skip

    with pytest.raises(LocalDataPlaneError, match="reserve"):
        plane.start()


def _retry(call: Callable[[], dict[str, Any]], attempts: int = 50) -> dict[str, Any]:
    """Graceful reload: old workers may answer a few more connections. Bounded."""
    last: Exception | None = None
    for _ in range(attempts):
        try:
            return call()
        except (subprocess.CalledProcessError, json.JSONDecodeError) as exc:
            last = exc
            time.sleep(0.1)
    raise AssertionError(f"no answer: {last}")
