"""Unit-test helpers: sample events from events/ (the same files the docs and demos use)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"


def load_event(name: str) -> Any:
    return json.loads((EVENTS_DIR / name).read_text())


@pytest.fixture
def event() -> Any:
    return load_event
