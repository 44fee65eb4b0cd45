"""Lambda functions run their real handler in process, as a warm Lambda container would."""

from __future__ import annotations

import json
import os

import pytest

from .emulator_support import Emulator, output_of, receive_one, unique

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"


def invoke(emulator: Emulator, function: str, payload: object) -> tuple[str | None, object]:
    response = emulator.client("lambda").invoke(
        FunctionName=function, Payload=json.dumps(payload).encode()
    )
    return response.get("FunctionError"), json.loads(response["Payload"].read())


@pytest.fixture(scope="module")
def greeter_from_zip(emulator: Emulator) -> str:
    layer = emulator.publish_layer_from_zip("shared")
    return emulator.create_function_from_zip("greeter", {"GREETING": "hello"}, [layer])


@pytest.fixture(scope="module")
def greeter_registered(emulator: Emulator) -> str:
    return emulator.create_registered_function("greeter", {"GREETING": "hi"}, ("shared",))


@pytest.fixture(scope="module")
def validator(emulator: Emulator) -> str:
    return emulator.create_registered_function("validator")


@pytest.fixture(scope="module")
def flaky(emulator: Emulator) -> str:
    return emulator.create_registered_function("flaky")


def test_given_zip_function_with_zip_layer_when_invoked_then_real_handler_runs_with_its_world(
    emulator: Emulator, greeter_from_zip: str
):
    error, result = invoke(emulator, greeter_from_zip, {"name": "lattice"})

    assert error is None
    assert result["greeting"] == "HELLO!"  # env var read at import + the layer's python/ code
    assert result["name"] == "lattice"
    assert result["invokedFunctionArn"] == greeter_from_zip
    assert result["functionName"] == greeter_from_zip.rsplit(":", 1)[-1]
    assert result["memoryLimitInMb"] == 256
    assert 0 < result["remainingMs"] <= 30_000
    assert result["region"] == "us-east-1"
    assert result["handlerVar"] == "app.lambda_handler"
    assert result["endpoint"] == emulator.embedded.endpoint
    assert result["bucketCount"] >= 0  # its boto3 reached the emulator


def test_given_registered_code_dir_when_invoked_then_that_code_and_layer_dir_are_used(
    emulator: Emulator, greeter_registered: str
):
    error, result = invoke(emulator, greeter_registered, {})

    assert error is None
    assert result["greeting"] == "HI!"


def test_given_two_functions_with_same_module_name_when_invoked_then_each_runs_its_own(
    emulator: Emulator, greeter_registered: str, validator: str
):
    _, greeting = invoke(emulator, greeter_registered, {"name": "x"})
    _, validated = invoke(emulator, validator, {"name": "x"})

    assert "greeting" in greeting
    assert validated == {"name": "x"}


def test_given_invocation_when_done_then_process_environment_is_untouched(
    emulator: Emulator, greeter_registered: str
):
    before = dict(os.environ)

    invoke(emulator, greeter_registered, {})

    assert "GREETING" not in os.environ
    assert dict(os.environ) == before


def test_given_function_when_invoked_then_it_runs_in_its_own_process_with_only_lambdas_env(
    emulator: Emulator, greeter_registered: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("LATTICE_INGRESS_PARENT_ONLY", "leaked")
    # A new configuration starts a new container, which must not inherit that variable.
    emulator.client("lambda").update_function_configuration(
        FunctionName=greeter_registered, Environment={"Variables": {"GREETING": "env"}}
    )

    error, result = invoke(emulator, greeter_registered, {})

    assert error is None
    assert result["pid"] != os.getpid()
    assert result["parentOnly"] is None
    # Its SDK signs with the execution role's session, as in Lambda.
    assert result["callerArn"].startswith("arn:aws:sts::123456789012:assumed-role/")


def test_given_warm_container_when_invoked_again_then_same_process_and_other_function_another(
    emulator: Emulator, greeter_registered: str, greeter_from_zip: str
):
    _, first = invoke(emulator, greeter_registered, {})
    _, second = invoke(emulator, greeter_registered, {})
    _, other = invoke(emulator, greeter_from_zip, {})

    assert first["pid"] == second["pid"]
    assert other["pid"] != first["pid"]


def test_given_handler_raises_when_invoked_then_error_is_unhandled_with_exception_type(
    emulator: Emulator, validator: str
):
    error, payload = invoke(emulator, validator, {})

    assert error == "Unhandled"
    assert payload["errorType"] == "InvalidInputError"
    assert payload["errorMessage"] == "name is required"
    assert payload["requestId"]
    assert "app.py" in payload["stackTrace"][0]  # the function's frames, not the runtime's


def test_given_module_state_when_invoked_again_then_container_is_warm(
    emulator: Emulator, flaky: str
):
    key = unique("warm")

    first_error, _ = invoke(emulator, flaky, {"key": key, "failures": 1})
    second_error, second = invoke(emulator, flaky, {"key": key, "failures": 1})

    assert first_error == "Unhandled"
    assert second_error is None
    assert second == {"attempts": 2}


def test_given_event_invocation_when_invoked_then_202_and_handler_runs_later(emulator: Emulator):
    sqs = emulator.client("sqs")
    queue_url = sqs.create_queue(QueueName=unique("async"))["QueueUrl"]
    recorder = emulator.create_registered_function("recorder", {"QUEUE_URL": queue_url})

    response = emulator.client("lambda").invoke(
        FunctionName=recorder, InvocationType="Event", Payload=b'{"n": 7}'
    )

    assert response["StatusCode"] == 202
    assert receive_one(sqs, queue_url)["event"] == {"n": 7}


def test_given_invocation_when_done_then_log_group_has_a_stream(
    emulator: Emulator, greeter_registered: str
):
    invoke(emulator, greeter_registered, {})

    name = greeter_registered.rsplit(":", 1)[-1]
    streams = emulator.client("logs").describe_log_streams(logGroupName=f"/aws/lambda/{name}")
    assert streams["logStreams"]


# -- in Step Functions ------------------------------------------------------------------------
def test_given_lambda_invoke_integration_when_it_succeeds_then_payload_is_parsed(
    emulator: Emulator, greeter_registered: str
):
    execution = emulator.run_task(
        {
            "Type": "Task",
            "Resource": LAMBDA_INVOKE,
            "Parameters": {"FunctionName": greeter_registered, "Payload": {"name.$": "$.who"}},
        },
        {"who": "sfn"},
    )

    output = output_of(execution)
    assert output["StatusCode"] == 200
    assert output["Payload"]["name"] == "sfn"


@pytest.mark.parametrize("style", ["integration", "function-arn"])
def test_given_handler_raises_when_catch_names_exception_type_then_it_is_caught(
    emulator: Emulator, validator: str, style: str
):
    task = (
        {"Resource": LAMBDA_INVOKE, "Parameters": {"FunctionName": validator, "Payload.$": "$"}}
        if style == "integration"
        else {"Resource": validator}
    )
    definition = {
        "StartAt": "Validate",
        "States": {
            "Validate": {
                "Type": "Task",
                **task,
                "Catch": [{"ErrorEquals": ["InvalidInputError"], "Next": "Rejected"}],
                "End": True,
            },
            "Rejected": {"Type": "Pass", "End": True},
        },
    }

    caught = output_of(emulator.run(definition, {}))

    assert caught["Error"] == "InvalidInputError"
    assert json.loads(caught["Cause"])["errorMessage"] == "name is required"


@pytest.mark.parametrize("style", ["integration", "function-arn"])
def test_given_transient_exception_when_retry_names_it_then_task_succeeds(
    emulator: Emulator, flaky: str, style: str
):
    task = (
        {"Resource": LAMBDA_INVOKE, "Parameters": {"FunctionName": flaky, "Payload.$": "$"}}
        if style == "integration"
        else {"Resource": flaky}
    )
    retry = [{"ErrorEquals": ["FlakyError"], "IntervalSeconds": 1, "MaxAttempts": 3}]

    execution = emulator.run_task(
        {"Type": "Task", **task, "Retry": retry}, {"key": unique("retry"), "failures": 2}
    )

    output = output_of(execution)
    attempts = output["Payload"]["attempts"] if style == "integration" else output["attempts"]
    assert attempts == 3


def test_given_powertools_handler_when_invoked_twice_then_context_and_cold_start_are_seen(
    emulator: Emulator,
):
    function = emulator.create_registered_function(
        "observed",
        {"POWERTOOLS_SERVICE_NAME": "lattice-ingress", "POWERTOOLS_METRICS_NAMESPACE": "Test"},
    )

    first_error, first = invoke(emulator, function, {"id": "event-1"})
    _, second = invoke(emulator, function, {"id": "event-2"})

    assert first_error is None
    assert first["service"] == "lattice-ingress"
    assert first["functionArn"] == function
    assert first["correlationId"] == "event-1"
    assert second["correlationId"] == "event-2"
    assert second["coldStart"] is False


def test_given_handler_outlives_its_timeout_when_invoked_then_lambda_reports_timeout(
    emulator: Emulator,
):
    function = emulator.create_registered_function("slow", timeout=1)

    error, payload = invoke(emulator, function, {"seconds": 1.2})

    assert error == "Unhandled"
    assert payload["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in payload["errorMessage"]


def test_given_configuration_update_when_invoked_then_a_fresh_container_reads_new_settings(
    emulator: Emulator,
):
    function = emulator.create_registered_function("greeter", {"GREETING": "before"}, ("shared",))
    _, before = invoke(emulator, function, {})

    emulator.client("lambda").update_function_configuration(
        FunctionName=function, Environment={"Variables": {"GREETING": "after"}}
    )
    _, after = invoke(emulator, function, {})

    assert (before["greeting"], after["greeting"]) == ("BEFORE!", "AFTER!")
