"""Fixtures for the VPC Lattice, CloudTrail, ECS and fault-injection emulation tests.

All of them drive the session's embedded stack (tests/conftest.py) through plain boto3.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from embedded_aws.compat import ecs, faults, vpclattice

from .support import unique


@pytest.fixture
def lattice(embedded: Any) -> Any:
    return embedded.client("vpc-lattice")


@pytest.fixture
def provisioning(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Set the emulated Lattice provisioning delay for this test."""

    def set_seconds(seconds: float) -> None:
        monkeypatch.setenv(vpclattice.PROVISION_SECONDS_ENV, str(seconds))

    set_seconds(0)
    return set_seconds


@pytest.fixture
def service_network(lattice: Any) -> dict[str, Any]:
    return lattice.create_service_network(name=unique("sn"))  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
def _no_leftover_local_state() -> Iterator[None]:
    yield
    faults.clear()
    vpclattice.release()
    ecs.clear_planned_failures()
