"""template.yaml deployed into the emulator with the local data plane: a Lattice service
created through the API becomes reachable through real NGINX (control plane included)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.dataplane

PROBE = Path(__file__).with_name("full_stack_probe.py")


def test_given_the_deployed_stack_when_a_service_joins_the_network_then_the_proxy_reaches_it(
    tmp_path: Path,
) -> None:
    seen_path = tmp_path / "seen.json"
    result = subprocess.run(
        [sys.executable, str(PROBE), str(seen_path)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    seen = json.loads(seen_path.read_text())

    assert seen["http"]["service"] == "orders", seen
    assert seen["tls"]["service"] == "orders", seen  # SNI passthrough, certificate verified
    assert "started" in seen["events"]
    assert "config_rejected" not in seen["events"]
