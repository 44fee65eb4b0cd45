"""boto3 clients, one per service per execution environment, with botocore's standard retry
mode: exponential backoff with jitter for throttling (Throttling, ThrottlingException...) and
transient errors, which in botocore's standard mode include Route 53's
PriorRequestNotComplete (botocore/retries/standard.py). No hand-written retry loops."""

from __future__ import annotations

from functools import cache
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


@cache
def client(service: str) -> Any:
    """One client per service per execution environment (boto3 clients are thread-safe;
    creating them is slow). Tests that restart moto call `client.cache_clear()`."""
    return boto3.session.Session().client(service, config=RETRY_CONFIG)
