"""`lattice-ingress local serve`: the whole stack on 127.0.0.1, from template.yaml.

Order: start the embedded AWS, create the account fixtures (zones, service network,
ingress VPC), deploy template.yaml with parameter overrides = samconfig.toml's `local`
environment < fixture ids < `--param`, optionally start the local data plane, write the
outputs JSON, print one ready line, and run until SIGINT/SIGTERM. `LocalStack` does the
same in-process for tests and the demo.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import shlex
import signal
import sys
import threading
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from embedded_aws.deployer import Deployment, delete_stack, deploy_stack, update_stack
from embedded_aws.fixtures import AccountFixtures, create_fixtures
from embedded_aws.intrinsics import load_template
from embedded_aws.server import EmbeddedAws

logger = logging.getLogger(__name__)

CONTRACT_OUTPUT_KEYS = (
    "Endpoint",
    "Region",
    "StateMachineArn",
    "ConsumerHostedZoneId",
    "ProxyHostedZoneId",
    "ConfigBucketName",
    "ConfigObjectKey",
    "ClusterName",
    "ProxyServiceName",
    "ServiceNetworkId",
    "ExternalNlbDnsName",
    "InternalNlbDnsName",
)
"""Keys of the outputs file (docs/emulator-deployer.md); --dataplane adds the proxy ports."""
READY_PREFIX = "lattice-ingress local stack ready:"
SAMCONFIG_ENV = "local"
SCHEDULE_SWITCH = "EnableSchedule"  # template.yaml's parameter for the scheduled reconcile
RESOLVER_PARAMETER = "ResolverAddress"  # set by LocalDataPlane.reserve()
DEFAULT_OUTPUTS = Path(".local-stack/outputs.json")


class LocalStackError(RuntimeError):
    """The local stack cannot be assembled (template, samconfig or parameters)."""


def repo_root() -> Path:
    """The directory holding template.yaml: the working directory or an ancestor of it,
    else the checkout this package lives in (embedded_aws/..)."""
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for directory in (start, *start.parents):
            if (directory / "template.yaml").is_file():
                return directory
    raise LocalStackError("template.yaml not found; pass --template")


def _samconfig(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise LocalStackError(f"{path}: {exc}") from exc


def samconfig_overrides(path: Path, environment: str = SAMCONFIG_ENV) -> dict[str, str]:
    """`parameter_overrides` of one samconfig.toml environment (sam's `K=V K="v w"` form)."""
    config = _samconfig(path)
    deploy = config.get(environment, {}).get("deploy", {}).get("parameters", {})
    raw = deploy.get("parameter_overrides", "")
    pairs = shlex.split(raw) if isinstance(raw, str) else [str(item) for item in raw]
    return parse_params(pairs)


def samconfig_stack_name(path: Path, environment: str = SAMCONFIG_ENV) -> str | None:
    config = _samconfig(path)
    name = config.get(environment, {}).get("global", {}).get("parameters", {}).get("stack_name")
    return str(name) if name else None


def parse_params(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise LocalStackError(f"expected Key=Value, got {pair!r}")
        values[key] = value
    return values


class LocalStack:
    """The embedded stack in this process: `with LocalStack() as outputs: ...`."""

    def __init__(
        self,
        *,
        port: int = 0,
        template: str | Path | None = None,
        params: Mapping[str, str] | None = None,
        samconfig: str | Path | None = None,
        enable_schedules: bool = False,
        dataplane: bool = False,
        embedded: EmbeddedAws | None = None,
        fixtures: AccountFixtures | None = None,
    ) -> None:
        """`embedded`: deploy into an already running emulator (tests, the demo) instead of
        starting one; it is then left running by `stop()`. `fixtures`: an account prepared
        beforehand (e.g. with Lattice services already associated) instead of a fresh one."""
        self.template = Path(template) if template else repo_root() / "template.yaml"
        self.samconfig = Path(samconfig) if samconfig else self.template.parent / "samconfig.toml"
        self.params = dict(params or {})
        self.enable_schedules = enable_schedules
        self.with_dataplane = dataplane
        self._owns_embedded = embedded is None
        self.embedded = embedded or EmbeddedAws(port)
        self.fixtures: AccountFixtures | None = fixtures
        self.deployment: Deployment | None = None
        self.outputs: dict[str, str] = {}
        self._dataplane: Any = None
        self._dataplane_module: Any = None

    @property
    def dataplane(self) -> Any:
        """The running `LocalDataPlane` (CA path, stand-in services), or None."""
        return self._dataplane

    def overrides(
        self,
        declared: Mapping[str, Any],
        fixtures: AccountFixtures,
        dataplane: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """samconfig `local` < fixture ids < the data plane's reserved ports and resolver <
        explicit params. samconfig and data-plane keys the template does not declare are
        dropped with a warning; explicit ones are errors (as with `sam deploy`)."""
        from_samconfig = samconfig_overrides(self.samconfig)
        optional = {**from_samconfig, **(dataplane or {})}
        unknown = sorted(set(optional) - set(declared))
        if unknown:
            logger.warning("overrides for parameters the template lacks, ignored: %s", unknown)
        # Asking for schedules also lifts the template's own switch, which samconfig's
        # `local` environment turns off.
        schedules = {SCHEDULE_SWITCH: "true"} if self.enable_schedules else {}
        return {
            **{k: v for k, v in from_samconfig.items() if k in declared},
            **fixtures.parameter_overrides(declared),
            **{k: v for k, v in (dataplane or {}).items() if k in declared},
            **{k: v for k, v in schedules.items() if k in declared},
            **self.params,
        }

    def start(self) -> dict[str, str]:
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> dict[str, str]:
        if self._owns_embedded:
            self.embedded.start()
        if self.fixtures is None:
            self.fixtures = create_fixtures(self.embedded)
        declared = load_template(self.template).get("Parameters") or {}
        reserved: dict[str, str] = {}
        if self.with_dataplane:
            # Imported by name: the data plane is optional and written separately. Its ports
            # and resolver are chosen before the deploy, as template parameters.
            self._dataplane_module = importlib.import_module("embedded_aws.dataplane")
            if RESOLVER_PARAMETER not in self.params:  # else the caller reserved already
                reserved = self._dataplane_module.LocalDataPlane.reserve(self.embedded)
        self.deployment = deploy_stack(
            self.embedded,
            self.template,
            self.overrides(declared, self.fixtures, reserved),
            stack_name=samconfig_stack_name(self.samconfig) or "lattice-ingress-local",
            enable_schedules=self.enable_schedules,
        )
        self.outputs = {**self.fixtures.outputs(), **self.deployment.outputs}
        if self.with_dataplane:
            self._dataplane = self._dataplane_module.LocalDataPlane(self.embedded, self.outputs)
            self.outputs.update({k: str(v) for k, v in self._dataplane.start().items()})
        missing = [key for key in CONTRACT_OUTPUT_KEYS if key not in self.outputs]
        if missing:
            logger.warning("outputs missing from the template so far: %s", ", ".join(missing))
        return self.outputs

    def update(self, params: Mapping[str, str]) -> dict[str, str]:
        """`sam deploy` with new parameter values (the others keep theirs); new outputs."""
        if self.deployment is None or self.fixtures is None:
            raise LocalStackError("the stack is not deployed")
        update_stack(self.deployment, params)
        self.params.update(params)
        self.outputs.update(self.deployment.outputs)
        return self.outputs

    def delete(self) -> None:
        """`sam delete`: every resource, newest first (StackFailed if one is refused)."""
        if self.deployment is None:
            raise LocalStackError("the stack is not deployed")
        self.deployment.stop()
        delete_stack(self.deployment)

    def stop(self) -> None:
        if self._dataplane is not None:
            self._dataplane.stop()
            self._dataplane = None
        if self._dataplane_module is not None:
            self._dataplane_module.release_reservations()  # reserved, never started
        if self.deployment is not None:
            self.deployment.stop()
        if self._owns_embedded:
            self.embedded.stop()

    def __enter__(self) -> dict[str, str]:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# -- command line --------------------------------------------------------------------
def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    parser = subparsers.add_parser(
        "serve",
        help="run the whole stack on 127.0.0.1 from template.yaml until Ctrl-C",
        description="Embedded AWS + account fixtures + template.yaml, driven by any AWS SDK.",
    )
    parser.add_argument("--port", type=int, default=0, help="emulator port (default: ephemeral)")
    parser.add_argument("--outputs", type=Path, default=DEFAULT_OUTPUTS, help="outputs JSON file")
    parser.add_argument("--template", type=Path, help="template (default: the repo's)")
    parser.add_argument("--dataplane", action="store_true", help="also run local NGINX")
    parser.add_argument(
        "--schedules",
        action="store_true",
        help="enable scheduled rules and fire rate() ones (e.g. with "
        '--param "ReconcileSchedule=rate(1 minute)")',
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="Key=Value",
        help="parameter override (repeatable; wins over samconfig.toml and fixtures)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request is noise
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stack = LocalStack(
        port=args.port,
        template=args.template,
        params=parse_params(args.param),
        enable_schedules=args.schedules,
        dataplane=args.dataplane,
    )
    try:
        # Handlers log to stdout (as in Lambda); here stdout carries only the ready line. The
        # stack's custom resources run handlers during the deploy, so their loggers (created
        # then) write to stderr from the start.
        with contextlib.redirect_stdout(sys.stderr):
            outputs = stack.start()
        args.outputs.parent.mkdir(parents=True, exist_ok=True)
        args.outputs.write_text(json.dumps(outputs, indent=2, sort_keys=True) + "\n")
        print(f"{READY_PREFIX} endpoint={outputs['Endpoint']} outputs={args.outputs}", flush=True)
        stop.wait()
    finally:
        stack.stop()
    logger.info("local stack stopped")
    return 0
