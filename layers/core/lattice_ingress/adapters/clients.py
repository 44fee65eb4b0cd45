"""boto3 clients, one per service per execution environment, with botocore's standard retry
mode: exponential backoff with jitter for throttling (Throttling, ThrottlingException...) and
transient errors, which in botocore's standard mode include Route 53's
PriorRequestNotComplete (botocore/retries/standard.py). No hand-written retry loops."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

# Route 53 allows five requests per second per account and answers PriorRequestNotComplete
# while a zone's previous change is in flight: give backoff room to ride that out.
# botocore's `max_attempts` here counts retries: 10 retries = 11 attempts at most.
RETRY_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 10},
    connect_timeout=5,
    read_timeout=30,
)


def client(service: str) -> Any:
    """A shared client (boto3 clients are thread-safe; creating them is slow). Keyed by the
    endpoint, region and key id too: the embedded stack swaps them into os.environ per
    invocation, in one process; in Lambda they never change."""
    return _client(
        service,
        os.environ.get("AWS_ENDPOINT_URL"),
        os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
        os.environ.get("AWS_ACCESS_KEY_ID"),
    )


@lru_cache(maxsize=64)
def _client(service: str, endpoint: str | None, region: str | None, key_id: str | None) -> Any:
    # The key arguments only partition the cache; boto3 reads the same values from the env.
    return boto3.session.Session().client(service, config=RETRY_CONFIG)


def clear_client_cache() -> None:
    """For tests that start and stop moto between handler calls."""
    _client.cache_clear()
