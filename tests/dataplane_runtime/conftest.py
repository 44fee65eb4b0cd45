"""Fixtures for the proxy task entrypoint and the local data plane (real nginx, embedded S3)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from embedded_aws.dataplane.nginx_process import find_nginx
from embedded_aws.dataplane.runner import ProxyTask, ProxyTaskSettings

pytestmark = pytest.mark.dataplane

if find_nginx() is None:
    pytest.skip("nginx is not installed (scripts/install-nginx.sh)", allow_module_level=True)


@pytest.fixture
def config_bucket(embedded: Any) -> str:
    name = f"cfg-{uuid.uuid4().hex[:12]}"
    embedded.client("s3").create_bucket(Bucket=name)
    return name


@pytest.fixture
def publish(embedded: Any, config_bucket: str) -> Callable[[str], None]:
    s3 = embedded.client("s3")

    def _publish(text: str) -> None:
        s3.put_object(Bucket=config_bucket, Key="nginx/nginx.conf", Body=text.encode())

    return _publish


@pytest.fixture
def make_task(
    embedded: Any, config_bucket: str, tmp_path: Path
) -> Iterator[Callable[..., ProxyTask]]:
    tasks: list[ProxyTask] = []

    def _make(**overrides: Any) -> ProxyTask:
        settings = ProxyTaskSettings(
            endpoint=embedded.endpoint,
            region=embedded.region,
            bucket=config_bucket,
            key="nginx/nginx.conf",
            global_directives=f"pid {tmp_path}/task{len(tasks)}/nginx.pid;",
            **overrides,
        )
        task = ProxyTask(settings, tmp_path / f"task{len(tasks)}")
        tasks.append(task)
        return task

    yield _make
    for task in tasks:
        task.stop()
