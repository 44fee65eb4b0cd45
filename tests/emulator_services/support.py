"""Helpers shared by the emulator-services tests."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

POLL_LIMIT_SECONDS = 15.0


def wait_until(predicate: Callable[[], Any], limit: float = POLL_LIMIT_SECONDS) -> Any:
    """Poll until `predicate` returns something truthy; fail (not time) after `limit`."""
    deadline = time.monotonic() + limit
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached within {limit} s")
        time.sleep(0.05)


def control(embedded: Any, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Call a local control endpoint (`/_lattice_ingress/...`) over HTTP."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        embedded.endpoint + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
