"""Fixtures for the deployer tests: the account fixtures and bounded polling."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

STACK_DIR = Path(__file__).parent / "stack"
T = TypeVar("T")


@pytest.fixture(scope="module")
def account(embedded: Any) -> Any:
    from embedded_aws.fixtures import create_fixtures

    return create_fixtures(embedded)


def wait_for(probe: Callable[[], T | None], attempts: int = 200, interval: float = 0.05) -> T:
    """Poll until `probe` returns something truthy (bounded; the bound is not asserted)."""
    for _ in range(attempts):
        result = probe()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError("condition not reached")
