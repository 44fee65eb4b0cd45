"""Shared fixtures. `embedded` is one moto server per test session (moto's backends are
process-global); tests that need a clean slate reset it or use unique names."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Never let a test reach a real AWS account.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.pop("AWS_PROFILE", None)


@pytest.fixture(scope="session")
def embedded() -> Iterator[object]:
    from embedded_aws.server import EmbeddedAws

    stack = EmbeddedAws().start()
    try:
        yield stack
    finally:
        stack.stop()
