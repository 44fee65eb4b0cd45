"""nginx/entrypoint.sh against the embedded S3 and a real nginx (the proxy task's logic)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from runtime_helpers import eventually, simple_config

from embedded_aws.dataplane.backends import free_port
from embedded_aws.dataplane.runner import ProxyTask, ProxyTaskError

pytestmark = pytest.mark.dataplane


def get(port: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/")
        return connection.getresponse().read().decode().strip()
    finally:
        connection.close()


def serving(
    make_task: Callable[..., ProxyTask],
    publish: Callable[[str], None],
    tmp_path: Path,
    body: str = "v1",
    **settings: Any,
) -> tuple[ProxyTask, int]:
    """A task started on a published config answering `body`, listening on the returned port."""
    port = free_port()
    publish(simple_config(tmp_path, port, body))
    task = make_task(**settings).start()
    task.wait_until_listening(port)
    return task, port


def test_given_no_config_yet_when_it_is_published_later_then_fetch_retries_and_nginx_starts(
    make_task: Callable[..., ProxyTask], publish: Callable[[str], None], tmp_path: Path
) -> None:
    port = free_port()
    task = make_task(fetch_max_attempts=30).start()

    retry = task.wait_for_event("fetch_retry")
    publish(simple_config(tmp_path, port, "v1"))
    task.wait_until_listening(port)

    assert "NoSuchKey" in retry["detail"]
    assert retry["level"] == "WARN"
    assert get(port) == "v1"


def test_given_a_deployment_signal_before_nginx_started_when_serving_then_it_still_starts(
    make_task: Callable[..., ProxyTask], publish: Callable[[str], None], tmp_path: Path
) -> None:
    port = free_port()
    publish(simple_config(tmp_path, port, "v1"))
    task = make_task().start()

    task.redeploy()  # SIGHUP to serve, most likely while it still awaits the first download
    task.wait_until_listening(port)

    assert get(port) == "v1"
    assert task.serving


def test_given_the_object_never_appears_when_fetching_then_it_gives_up_after_bounded_attempts(
    make_task: Callable[..., ProxyTask],
) -> None:
    task = make_task(fetch_max_attempts=3)

    with pytest.raises(ProxyTaskError, match="failed"):
        task.redeploy(timeout=60)

    assert len(task.events("fetch_retry")) == 2
    [failure] = task.events("fetch_failed")
    assert failure["level"] == "ERROR"
    assert "after 3 attempts" in failure["message"]


def test_given_an_invalid_first_config_when_the_task_starts_then_nginx_is_not_started(
    make_task: Callable[..., ProxyTask], publish: Callable[[str], None]
) -> None:
    publish("events {} stream { this is not nginx }")
    task = make_task().start()

    refused = task.wait_for_event("config_rejected")

    assert refused["level"] == "ERROR"
    with pytest.raises(ProxyTaskError, match="serve exited"):
        task.wait_for_event("started", timeout=10)


def test_given_reload_mode_when_a_new_config_is_published_then_nginx_serves_it(
    make_task: Callable[..., ProxyTask], publish: Callable[[str], None], tmp_path: Path
) -> None:
    task, port = serving(make_task, publish, tmp_path, "v1", rollout_mode="reload")
    assert get(port) == "v1"

    publish(simple_config(tmp_path, port, "v2"))
    task.wait_for_event("config_reloaded")

    assert eventually(lambda: get(port) == "v2")


def test_given_redeploy_mode_when_a_config_is_published_then_only_a_new_deployment_applies_it(
    make_task: Callable[..., ProxyTask], publish: Callable[[str], None], tmp_path: Path
) -> None:
    task, port = serving(make_task, publish, tmp_path, "v1", rollout_mode="redeploy")

    publish(simple_config(tmp_path, port, "v2"))
    still_v1 = get(port)
    task.redeploy()
    task.wait_for_event("config_reloaded")

    assert still_v1 == "v1"
    assert eventually(lambda: get(port) == "v2")


def test_given_a_running_proxy_when_an_invalid_config_is_published_then_the_last_good_one_serves(
    make_task: Callable[..., ProxyTask], publish: Callable[[str], None], tmp_path: Path
) -> None:
    task, port = serving(make_task, publish, tmp_path, "v1", rollout_mode="reload")

    publish(simple_config(tmp_path, port, "v2").replace("return 200", "return_typo 200"))
    rejected = task.wait_for_event("config_rejected")
    served_after_rejection = get(port)
    publish(simple_config(tmp_path, port, "v3"))
    task.wait_for_event("config_reloaded")

    assert served_after_rejection == "v1"
    assert rejected["level"] == "ERROR"
    assert "return_typo" in rejected["detail"]  # nginx -t's own words, on one line
    assert eventually(lambda: get(port) == "v3")
    assert len(task.events("config_rejected")) == 1  # loud once, not once per poll


def test_given_clients_under_load_when_configs_are_reloaded_then_no_request_is_lost(
    make_task: Callable[..., ProxyTask], publish: Callable[[str], None], tmp_path: Path
) -> None:
    task, port = serving(make_task, publish, tmp_path, "v0", rollout_mode="reload")
    stop = threading.Event()
    answers: list[str] = []
    failures: list[BaseException] = []

    def client() -> None:
        for _ in range(20_000):  # bounded even if the reloads never finish
            if stop.is_set():
                return
            try:
                answers.append(get(port))
            except (OSError, http.client.HTTPException) as exc:
                failures.append(exc)

    clients = [threading.Thread(target=client) for _ in range(4)]
    for thread in clients:
        thread.start()
    try:
        for version in (1, 2, 3):
            publish(simple_config(tmp_path, port, f"v{version}"))
            task.wait_for_event("config_reloaded", count=version, timeout=60)
        assert eventually(lambda: get(port) == "v3")
    finally:
        stop.set()
        for thread in clients:
            thread.join(timeout=30)

    assert failures == []
    assert {"v0", "v3"} <= set(answers)


ORPHAN_PROBE = """
import json, os, sys
from pathlib import Path
from embedded_aws.dataplane.runner import ProxyTask, ProxyTaskSettings
endpoint, region, bucket, workdir, port = sys.argv[1:6]
settings = ProxyTaskSettings(endpoint=endpoint, region=region, bucket=bucket,
    key="nginx/nginx.conf", global_directives=f"pid {workdir}/nginx.pid;")
task = ProxyTask(settings, workdir).start()
task.wait_until_listening(int(port))
print(json.dumps({"serve": task._server.pid, "nginx": int(Path(workdir, "nginx.pid").read_text())}))
sys.stdout.flush()
os._exit(0)  # gone without stop(): no cleanup at all
"""


def test_given_the_owning_process_dies_without_stopping_when_serving_then_the_task_ends_too(
    embedded: Any, config_bucket: str, publish: Callable[[str], None], tmp_path: Path
) -> None:
    port = free_port()
    publish(simple_config(tmp_path, port, "v1"))
    workdir = tmp_path / "orphan"
    probe = subprocess.run(
        [sys.executable, "-c", ORPHAN_PROBE, embedded.endpoint, embedded.region, config_bucket,
         str(workdir), str(port)],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    pids = json.loads(probe.stdout.strip().splitlines()[-1])
    try:
        ended = eventually(lambda: not any(_alive(pid) for pid in pids.values()), attempts=400)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pids["serve"], signal.SIGKILL)  # its own session: nginx included

    assert ended


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
