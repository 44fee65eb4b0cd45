"""Helpers for the emulator tests: deploy fixture functions, run ASL to completion.

Everything goes through plain boto3 against `embedded.endpoint`, as a user of the
emulator would; names are unique per test because the server lives for the session.
"""

from __future__ import annotations

import io
import json
import time
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
FUNCTIONS = FIXTURES / "functions"
LAYERS = FIXTURES / "layers"
ASL = FIXTURES / "asl"
ROLE_NAME = "emulator-tests"
ROLE_ARN = f"arn:aws:iam::123456789012:role/{ROLE_NAME}"
TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]},
            "Action": "sts:AssumeRole",
        }
    ],
}
ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
POLL_SECONDS = 0.05
MAX_POLLS = 1200  # bounded wait for an execution: 60 s


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def zip_dir(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(directory).as_posix())
    return buffer.getvalue()


@dataclass
class Emulator:
    embedded: Any

    def __post_init__(self) -> None:
        iam = self.client("iam")
        try:
            iam.get_role(RoleName=ROLE_NAME)
        except iam.exceptions.NoSuchEntityException:
            iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
        # IAM is enforced: these fixtures test the runtimes, not least privilege.
        iam.put_role_policy(
            RoleName=ROLE_NAME, PolicyName="fixtures", PolicyDocument=json.dumps(ALLOW_ALL)
        )

    def client(self, service: str) -> Any:
        return self.embedded.client(service)

    # -- Lambda ---------------------------------------------------------------------------
    def create_function_from_zip(
        self, fixture: str, env: dict[str, str] | None = None, layers: list[str] | None = None
    ) -> str:
        """CreateFunction with a zip, as any SDK user would; returns the function ARN."""
        return str(
            self.client("lambda").create_function(
                FunctionName=unique(fixture),
                Runtime="python3.12",
                Role=ROLE_ARN,
                Handler="app.lambda_handler",
                Code={"ZipFile": zip_dir(FUNCTIONS / fixture)},
                Environment={"Variables": env or {}},
                Layers=layers or [],
                Timeout=30,
                MemorySize=256,
            )["FunctionArn"]
        )

    def publish_layer_from_zip(self, fixture: str) -> str:
        return str(
            self.client("lambda").publish_layer_version(
                LayerName=unique(fixture),
                Content={"ZipFile": zip_dir(LAYERS / fixture)},
                CompatibleRuntimes=["python3.12"],
            )["LayerVersionArn"]
        )

    def create_registered_function(
        self,
        fixture: str,
        env: dict[str, str] | None = None,
        layer_fixtures: tuple[str, ...] = (),
        timeout: int = 30,
    ) -> str:
        """As the deployer does: a placeholder zip, the code directory registered."""
        from embedded_aws.compat.lambda_runtime import register_code

        name = unique(fixture)
        register_code(name, FUNCTIONS / fixture, [LAYERS / layer for layer in layer_fixtures])
        placeholder = io.BytesIO()
        with zipfile.ZipFile(placeholder, "w") as archive:
            archive.writestr("README", "code registered with the runtime")
        return str(
            self.client("lambda").create_function(
                FunctionName=name,
                Runtime="python3.12",
                Role=ROLE_ARN,
                Handler="app.lambda_handler",
                Code={"ZipFile": placeholder.getvalue()},
                Environment={"Variables": env or {}},
                Timeout=timeout,
            )["FunctionArn"]
        )

    # -- Step Functions -------------------------------------------------------------------
    def create_state_machine(self, definition: dict[str, Any] | str) -> str:
        text = definition if isinstance(definition, str) else json.dumps(definition)
        return str(
            self.client("stepfunctions").create_state_machine(
                name=unique("sm"), definition=text, roleArn=ROLE_ARN
            )["stateMachineArn"]
        )

    def wait_for(self, execution_arn: str) -> dict[str, Any]:
        sfn = self.client("stepfunctions")
        for _ in range(MAX_POLLS):
            execution = sfn.describe_execution(executionArn=execution_arn)
            if execution["status"] != "RUNNING":
                return dict(execution)
            time.sleep(POLL_SECONDS)
        raise AssertionError(f"{execution_arn} still RUNNING")

    def run(self, definition: dict[str, Any] | str, payload: Any = None) -> dict[str, Any]:
        """Create a state machine, run it once with `payload`, return DescribeExecution."""
        arn = self.create_state_machine(definition)
        execution = self.client("stepfunctions").start_execution(
            stateMachineArn=arn, input=json.dumps({} if payload is None else payload)
        )
        return self.wait_for(execution["executionArn"])

    def run_task(self, task: dict[str, Any], payload: Any = None) -> dict[str, Any]:
        """Run a one-state machine around `task` (a Task state body without End/Next)."""
        return self.run({"StartAt": "Task", "States": {"Task": {**task, "End": True}}}, payload)

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        return list(sfn.get_execution_history(executionArn=execution_arn)["events"])


def output_of(execution: dict[str, Any]) -> Any:
    assert execution["status"] == "SUCCEEDED", (execution.get("error"), execution.get("cause"))
    return json.loads(execution["output"])


def receive_one(sqs: Any, queue_url: str) -> dict[str, Any]:
    """The next message on a queue, parsed; long-polls a bounded number of times."""
    for _ in range(20):
        messages = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=1
        ).get("Messages", [])
        if messages:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=messages[0]["ReceiptHandle"])
            return dict(json.loads(messages[0]["Body"]))
    raise AssertionError(f"no message on {queue_url}")
