"""The `emulator` fixture: the session's embedded stack plus the helpers in emulator_support."""

from __future__ import annotations

from typing import Any

import pytest

from .emulator_support import Emulator


@pytest.fixture(scope="session")
def emulator(embedded: Any) -> Emulator:
    return Emulator(embedded)
