"""Run in a subprocess by test_full_stack.py (moto's backends are process-global, so the
whole stack gets a process of its own): deploy template.yaml with the local data plane,
create a Lattice service, and write what clients then see as JSON to the path in argv[1]
(not stdout: the in-process Lambda functions log JSON lines there until the stack stops)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from embedded_aws.dataplane import LocalDataPlane
from embedded_aws.fixtures import DEMO_DOMAIN
from embedded_aws.serve import LocalStack
from embedded_aws.server import EmbeddedAws

ATTEMPTS = 120  # x 0.5 s: the reconcile, the rollout and the reload


def curl(*args: str) -> dict[str, Any] | None:
    result = subprocess.run(
        ["curl", "-sS", "--max-time", "5", "--haproxy-protocol", *args],
        capture_output=True,
        text=True,
        timeout=20,
    )
    try:
        return dict(json.loads(result.stdout))
    except json.JSONDecodeError:
        return None


def main(result_path: Path) -> int:
    logging.basicConfig(level=logging.ERROR)
    embedded = EmbeddedAws().start()
    stack = LocalStack(embedded=embedded, params=LocalDataPlane.reserve(embedded), dataplane=True)
    try:
        outputs = stack.start()
        domain = f"orders.{DEMO_DOMAIN}"
        lattice = embedded.client("vpc-lattice")
        service = lattice.create_service(name="orders", customDomainName=domain)
        lattice.create_service_network_service_association(
            serviceNetworkIdentifier=outputs["ServiceNetworkId"], serviceIdentifier=service["id"]
        )
        plane = stack._dataplane
        tls_port, http_port = outputs["ProxyTlsPort"], outputs["ProxyHttpPort"]
        over_http = over_tls = None
        for _ in range(ATTEMPTS):
            over_http = curl("-H", f"Host: {domain}", f"http://127.0.0.1:{http_port}/")
            if over_http and over_http.get("service") == "orders":
                break
            time.sleep(0.5)
        over_tls = curl(
            "--cacert", str(plane.ca_path), "--resolve", f"{domain}:{tls_port}:127.0.0.1",
            f"https://{domain}:{tls_port}/",
        )  # fmt: skip
        events = [e["event"] for e in plane.task.events()]
        result_path.write_text(json.dumps({"http": over_http, "tls": over_tls, "events": events}))
        return 0
    finally:
        stack.stop()
        embedded.stop()


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
