"""Finding the stack: its outputs (CloudFormation or the `local serve --outputs` file), the
AWS environment to reach it, and the control plane's settings (the functions' environment).

The core adapters build their boto3 clients from the process environment, so the commands
run inside `aws_environment(stack)`: the embedded stack's endpoint and Region (and dummy
credentials when none are set), or the usual credential chain for a real stack."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import boto3
import click
from botocore.exceptions import BotoCoreError, ClientError

from lattice_ingress.adapters.clients import RETRY_CONFIG, client
from lattice_ingress.settings import Settings

SETTINGS_FUNCTION_OUTPUT = "DiscoverFunctionName"
_ENV_KEYS = ("AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION", "AWS_REGION")
_CREDENTIAL_KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")

R = TypeVar("R")


class StackError(click.ClickException):
    """The stack cannot be found or read. Exit status 2, so `explain`'s 1 stays "not
    published"."""

    exit_code = 2


@dataclass(frozen=True)
class Stack:
    outputs: dict[str, str]
    endpoint: str | None
    region: str | None

    def output(self, key: str) -> str:
        value = self.outputs.get(key)
        if not value:
            raise StackError(f"the stack has no {key} output (deploy the current template.yaml)")
        return value

    def settings(self) -> Settings:
        """The settings every control-plane function runs with (they share one environment)."""
        name = self.output(SETTINGS_FUNCTION_OUTPUT)
        try:
            config = client("lambda").get_function_configuration(FunctionName=name)
        except (ClientError, BotoCoreError) as exc:
            raise StackError(f"cannot read the configuration of function {name}: {exc}") from exc
        return Settings.from_env(config.get("Environment", {}).get("Variables", {}))


def load_stack(stack_name: str | None, outputs_file: Path | None, region: str | None) -> Stack:
    if (stack_name is None) == (outputs_file is None):
        raise StackError("give exactly one of --stack NAME or --outputs FILE")
    if outputs_file is not None:
        try:
            outputs = json.loads(outputs_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StackError(f"cannot read {outputs_file}: {exc}") from exc
        if not isinstance(outputs, dict):
            raise StackError(f"{outputs_file}: expected a JSON object of outputs")
        values = {str(k): str(v) for k, v in outputs.items()}
        return Stack(values, values.get("Endpoint") or None, region or values.get("Region"))
    assert stack_name is not None
    session = boto3.session.Session(region_name=region)
    try:
        described = session.client("cloudformation", config=RETRY_CONFIG).describe_stacks(
            StackName=stack_name
        )
    except (ClientError, BotoCoreError) as exc:
        raise StackError(f"cannot describe stack {stack_name}: {exc}") from exc
    found = described["Stacks"][0].get("Outputs", [])
    values = {item["OutputKey"]: item.get("OutputValue", "") for item in found}
    return Stack(values, None, region or session.region_name)


@contextmanager
def aws_environment(stack: Stack) -> Iterator[None]:
    """Point the core adapters' clients at the stack for the duration of one command."""
    keys = _ENV_KEYS + _CREDENTIAL_KEYS
    saved = {key: os.environ.get(key) for key in keys}
    try:
        if stack.endpoint:
            os.environ["AWS_ENDPOINT_URL"] = stack.endpoint
            # The embedded stack accepts any key; never reach for a real profile's.
            for key in _CREDENTIAL_KEYS:
                os.environ.setdefault(key, "lattice-ingress-local")
        if stack.region:
            os.environ["AWS_DEFAULT_REGION"] = stack.region
            os.environ["AWS_REGION"] = stack.region
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def stack_options(command: Callable[..., R]) -> Callable[..., R]:
    """--stack/--outputs/--region/--output; the command receives `stack` and `as_json`,
    and runs inside the stack's AWS environment."""

    @click.option("--stack", "stack_name", metavar="NAME", help="CloudFormation stack name.")
    @click.option(
        "--outputs",
        "outputs_file",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Outputs file written by `lattice-ingress local serve --outputs FILE`.",
    )
    @click.option("--region", help="AWS Region (default: the credential chain's).")
    @click.option(
        "--output",
        "output_format",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
    )
    @wraps(command)
    def wrapper(
        stack_name: str | None,
        outputs_file: Path | None,
        region: str | None,
        output_format: str,
        **kwargs: Any,
    ) -> R:
        stack = load_stack(stack_name, outputs_file, region)
        with aws_environment(stack):
            return command(stack=stack, as_json=output_format == "json", **kwargs)

    return wrapper
