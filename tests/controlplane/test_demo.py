"""`lattice-ingress local demo` end to end, as a separate process (its emulator and data
plane are process-global, so it must not share this session's): with the local data plane
it shows TLS passthrough routed by SNI, the backend's certificate verified by the client."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEMO_BOUND_SECONDS = 180  # the demo itself finishes in well under a minute
DOMAIN = "lattice-demo.example.com"


def tls_lines(stdout: str) -> dict[str, str]:
    """SNI name -> what the demo printed for it, from the TLS section."""
    section = stdout.split("Through the proxy (TLS port", 1)[1].split("\n\n", 1)[0]
    rows = [line.split(None, 2)[1:] for line in section.splitlines()[1:] if line.strip()]
    return {name: result for name, result in rows}


@pytest.mark.dataplane
@pytest.mark.skipif(shutil.which("nginx") is None, reason="needs Debian nginx (make system-deps)")
def test_given_demo_with_dataplane_when_run_then_tls_by_sni_reaches_own_service_verified(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    command = [sys.executable, "-m", "lattice_ingress_cli", "local", "demo"]
    completed = subprocess.run(
        [*command, "--log", str(tmp_path / "demo.log")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEMO_BOUND_SECONDS,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "Through the proxy (TLS port" in completed.stdout, completed.stdout

    tls = tls_lines(completed.stdout)

    for label in ("orders", "payments"):
        name = f"{label}.{DOMAIN}"
        assert tls[name].startswith(f"answered by service '{label}' (TLS"), tls
        assert f"certificate for {name})" in tls[name]
    for name in (f"pay_roll.{DOMAIN}", "inventory.other-domain.test"):
        assert tls[name].startswith("refused: closed without a handshake"), tls
