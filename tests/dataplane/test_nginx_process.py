"""NginxProcess: validate, start, graceful reload to a new catalog, invalid config kept out."""

from __future__ import annotations

import os
import threading
import time

import pytest
from dataplane_stack import ALLOWED_CLIENT, SERVICES, ProxyStack
from dataplane_wire import connect, http_request, parse_response, proxy_v2, read_all

from embedded_aws.dataplane.nginx_process import (
    NginxConfigError,
    NginxProcess,
    find_nginx,
    stream_module_for,
)

pytestmark = pytest.mark.dataplane

ADDRESS = "127.0.0.5"


def status_for(proxy: ProxyStack, host: str) -> int:
    sock = connect(proxy.http_port, host=ADDRESS)
    sock.sendall(proxy_v2(ALLOWED_CLIENT, ADDRESS, 1, proxy.http_port) + http_request(host))
    return parse_response(read_all(sock))[0]


def settled_status_for(proxy: ProxyStack, host: str) -> int:
    """status_for once a freshly started nginx has resolved its upstream names (the
    workers resolve them right after start; until then a pooled upstream answers 502)."""
    status = 0
    for _ in range(100):
        status = status_for(proxy, host)
        if status != 502:
            break
        time.sleep(0.05)
    return status


@pytest.fixture
def own_nginx(proxy: ProxyStack, tmp_path):
    with NginxProcess(tmp_path) as nginx:
        yield nginx


def render(proxy: ProxyStack, nginx: NginxProcess, services) -> str:
    routes = {s.custom_domain: s.dns_name for s in services}
    return proxy.render(routes, listen_address=ADDRESS, **nginx.local_paths())


def test_given_running_nginx_when_reloaded_with_new_catalog_then_new_service_served(
    proxy: ProxyStack, own_nginx: NginxProcess
) -> None:
    orders, payments = SERVICES
    own_nginx.start(render(proxy, own_nginx, [orders]))
    assert status_for(proxy, payments.custom_domain) == 421

    own_nginx.reload(render(proxy, own_nginx, [orders, payments]))

    # A service added by the reload is served once its name is resolved (just after).
    assert settled_status_for(proxy, payments.custom_domain) == 200
    assert status_for(proxy, orders.custom_domain) == 200


def test_given_running_nginx_when_reloaded_with_invalid_config_then_error_and_old_one_serves(
    proxy: ProxyStack, own_nginx: NginxProcess
) -> None:
    good = render(proxy, own_nginx, SERVICES)
    own_nginx.start(good)
    assert settled_status_for(proxy, SERVICES[0].custom_domain) == 200

    with pytest.raises(NginxConfigError) as error:
        own_nginx.reload(good.replace("proxy_http_version 1.1;", "proxy_http_version 1.1"))

    assert error.value.validation.errors
    assert own_nginx.conf_path.read_text() == good
    assert status_for(proxy, SERVICES[0].custom_domain) == 200


def test_given_broken_config_when_validated_then_errors_reported(
    own_nginx: NginxProcess,
) -> None:
    result = own_nginx.validate("events {}\nhttp { bogus_directive on; }\n")

    assert not result.ok
    assert any("bogus_directive" in line for line in result.errors)


def test_given_invalid_config_when_started_then_config_error_and_not_running(
    own_nginx: NginxProcess,
) -> None:
    with pytest.raises(NginxConfigError):
        own_nginx.start("events {}\nhttp { listen_nowhere; }\n")

    assert not own_nginx.running


def test_given_running_nginx_when_stopped_then_process_gone(
    proxy: ProxyStack, own_nginx: NginxProcess
) -> None:
    own_nginx.start(render(proxy, own_nginx, SERVICES))
    pid = own_nginx.pid

    own_nginx.stop()

    assert pid is not None
    assert not own_nginx.running
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_given_steady_client_load_when_reloaded_three_times_then_no_request_lost(
    proxy: ProxyStack, own_nginx: NginxProcess
) -> None:
    own_nginx.start(render(proxy, own_nginx, SERVICES[:1]))
    assert settled_status_for(proxy, SERVICES[0].custom_domain) == 200
    statuses: list[int | str] = []
    done = threading.Event()

    def client() -> None:
        for _ in range(5000):  # bounded; normally stopped by `done` long before
            try:
                statuses.append(status_for(proxy, SERVICES[0].custom_domain))
            except OSError as exc:
                statuses.append(repr(exc))
            if done.is_set():
                return

    worker = threading.Thread(target=client, daemon=True)
    worker.start()
    while len(statuses) < 20:  # load is flowing before the first reload
        time.sleep(0.01)
    for catalog in (SERVICES, SERVICES[:1], SERVICES):
        own_nginx.reload(render(proxy, own_nginx, catalog))
    done.set()
    worker.join(timeout=30)

    assert len(statuses) > 20
    assert set(statuses) == {200}


def test_given_config_without_load_module_when_module_given_globally_then_it_serves(
    proxy: ProxyStack, tmp_path
) -> None:
    """How a config rendered for the official image (stream built in) runs on Debian."""
    module = stream_module_for(find_nginx() or "")
    with NginxProcess(tmp_path, global_directives=f"load_module {module};") as nginx:
        paths = {**nginx.local_paths(), "stream_module_path": None}
        routes = {s.custom_domain: s.dns_name for s in SERVICES}
        text = proxy.render(routes, listen_address=ADDRESS, **paths)

        assert "load_module" not in text
        assert nginx.validate(text).ok
        nginx.start(text)
        assert settled_status_for(proxy, SERVICES[0].custom_domain) == 200


def test_given_config_without_pid_when_started_then_pid_file_kept_in_prefix(
    proxy: ProxyStack, own_nginx: NginxProcess
) -> None:
    paths = {**own_nginx.local_paths(), "pid_path": None}
    text = proxy.render(listen_address=ADDRESS, **paths)
    assert "\npid " not in text

    own_nginx.start(text)

    pid_file = own_nginx.log_path("nginx.pid")
    assert pid_file.read_text().strip() == str(own_nginx.pid)
