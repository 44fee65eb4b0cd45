"""The admin CLI against the embedded stack: template.yaml deployed as `local serve` deploys
it, its outputs written to a file exactly as `local serve --outputs FILE` writes them, and the
commands run in process through click's runner (the same code as the console script)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from lattice_ingress_cli.main import cli

REPO = Path(__file__).resolve().parents[2]

# The control-plane tests' handle on the stack (create services, read zones, wait idle),
# loaded by path: test directories are not packages.
_spec = importlib.util.spec_from_file_location(
    "controlplane_conftest", REPO / "tests" / "controlplane" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
controlplane_conftest = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = controlplane_conftest  # dataclasses look their module up
_spec.loader.exec_module(controlplane_conftest)
ControlPlane = controlplane_conftest.ControlPlane


class Cli:
    def __init__(self, outputs_file: Path) -> None:
        self.outputs_file = outputs_file

    def run(self, *args: str) -> Result:
        return CliRunner().invoke(cli, [*args, "--outputs", str(self.outputs_file)])

    def process(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The console script as its own process. For commands that start executions: the
        embedded stack runs the handlers in this test process, and their metric lines on
        stdout would mix into the in-process runner's capture."""
        command = [sys.executable, "-m", "lattice_ingress_cli", *args]
        return subprocess.run(
            [*command, "--outputs", str(self.outputs_file)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def json(self, *args: str, exit_code: int = 0) -> Any:
        result = self.run(*args, "--output", "json")
        assert result.exit_code == exit_code, (result.output, result.exception)
        return json.loads(result.stdout)


@pytest.fixture(scope="module")
def stack_params() -> dict[str, str]:
    """Parameter overrides of the module's stack (a module may override this fixture)."""
    return {}


@pytest.fixture(scope="module")
def control_plane(embedded: Any, stack_params: dict[str, str]) -> Iterator[Any]:
    from embedded_aws.serve import LocalStack

    stack = LocalStack(template=REPO / "template.yaml", embedded=embedded, params=stack_params)
    outputs = stack.start()
    assert stack.fixtures is not None and stack.deployment is not None
    handle = ControlPlane(
        embedded=embedded,
        outputs=outputs,
        domain=stack.fixtures.domain,
        vpc_id=stack.fixtures.vpc_id,
        service_network_id=stack.fixtures.service_network_id,
        consumer_target=str(stack.deployment.resources["ExternalNlb"].attribute("DNSName")),
    )
    try:
        yield handle
    finally:
        _set_rules(handle, enabled=False)
        handle.wait_idle()
        stack.stop()


@pytest.fixture(scope="module")
def set_rules(control_plane: Any) -> Any:
    return lambda *, enabled: _set_rules(control_plane, enabled=enabled)


def _set_rules(control_plane: Any, *, enabled: bool) -> None:
    """Enable or disable the stack's rules (so a test can stage changes no pass has seen)."""
    events = control_plane.client("events")
    for name in events.list_rule_names_by_target(TargetArn=control_plane.state_machine_arn)[
        "RuleNames"
    ]:
        (events.enable_rule if enabled else events.disable_rule)(Name=name)


@pytest.fixture(scope="module")
def admin(control_plane: Any, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    path = tmp_path_factory.mktemp("stack") / "outputs.json"
    path.write_text(json.dumps(control_plane.outputs, indent=2, sort_keys=True) + "\n")
    return Cli(path)
