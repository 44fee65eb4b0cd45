"""Handler of the deployer's test stack: echoes its input and one layer import."""

from stack_helpers import greeting


def lambda_handler(event, context):
    return {"greeting": greeting(), "event": event}
