"""Helpers shared by the data-plane runtime tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path


def eventually(check: Callable[[], bool], attempts: int = 100, interval: float = 0.05) -> bool:
    """Bounded retry: a graceful reload lets old workers answer a little longer, and the plane
    notices Lattice changes on its next poll."""
    for _ in range(attempts):
        if check():
            return True
        time.sleep(interval)
    return False


def simple_config(workdir: Path, port: int, body: str) -> str:
    """A minimal nginx config answering `body` on 127.0.0.1:port, all files under workdir."""
    return f"""
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {workdir}/tmp_body;
    proxy_temp_path {workdir}/tmp_proxy;
    fastcgi_temp_path {workdir}/tmp_fastcgi;
    uwsgi_temp_path {workdir}/tmp_uwsgi;
    scgi_temp_path {workdir}/tmp_scgi;
    server {{
        listen 127.0.0.1:{port};
        keepalive_timeout 0;
        location / {{ return 200 "{body}\\n"; }}
    }}
}}
"""
