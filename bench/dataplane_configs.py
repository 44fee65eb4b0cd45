"""The nginx configs the data-plane benchmark runs besides THE config.

- `guidance_config`: AWS's "External Connectivity to Amazon VPC Lattice" nginx.conf, rebuilt
  from the guidance's published README (docs/data-plane.md quotes its directives), adapted
  only to loopback: listen address, resolver, the trusted PROXY sender, file paths and the
  backend port (`$server_port` instead of 80, so both proxies reach the same backend).
- `nlb_config`: a stream proxy that adds a PROXY protocol header, standing in for the NLB
  (wrk cannot send one itself). Both proxies are measured behind it.
- `backend_config`: a fast nginx "Lattice service" answering 200 with its name over HTTP
  and HTTPS, so the backend is not the bottleneck when comparing proxies.
"""

from __future__ import annotations

from collections.abc import Mapping


def _head(paths: Mapping[str, str | None]) -> str:
    module = paths.get("stream_module_path")
    return (
        (f"load_module {module};\n" if module else "")
        + "worker_processes 1;\n"
        + f"error_log {paths['error_log']} error;\n"
        + f"pid {paths['pid_path']};\n"
        + "events { worker_connections 4096; }\n"
    )


def _temp(paths: Mapping[str, str | None]) -> str:
    temp = paths["temp_dir"]
    return "".join(
        f"    {kind}_temp_path {temp}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )


def guidance_config(
    paths: Mapping[str, str | None], *, listen: str, port: int, tls_port: int, resolver: str
) -> str:
    """The guidance's directives, verbatim where possible (HTTP and TLS listeners)."""
    return (
        _head(paths)
        + f"""
stream {{
    resolver {resolver};
    map $bytes_received $notAHealthCheck {{
        "~0" 0;
        default 1;
    }}
    log_format basic '$time_iso8601 $remote_addr $proxy_protocol_addr $proxy_protocol_port '
        '$protocol $server_port $status $upstream_addr $upstream_bytes_sent '
        '$upstream_bytes_received $session_time $upstream_connect_time';
    access_log {paths["stream_access_log"]} basic if=$notAHealthCheck;
    server {{
        listen {listen}:{tls_port} proxy_protocol;
        proxy_pass $ssl_preread_server_name:$server_port;
        ssl_preread on;
        set_real_ip_from 127.0.0.0/8;
        allow 192.168.0.0/16; allow 172.16.0.0/12; allow 10.0.0.0/8; allow 127.0.0.0/8;
        deny all;
    }}
}}

http {{
    resolver {resolver};
    access_log {paths["http_access_log"]};
{_temp(paths)}
    server {{
        listen {listen}:{port} proxy_protocol;
        location / {{
            proxy_set_header Host $host;
            proxy_pass http://$host:$server_port;
            proxy_http_version 1.1;
        }}
        set_real_ip_from 127.0.0.0/8;
        real_ip_header proxy_protocol;
        allow 192.168.0.0/16; allow 172.16.0.0/12; allow 10.0.0.0/8; allow 127.0.0.0/8;
        deny all;
    }}
}}
"""
    )


def nlb_config(paths: Mapping[str, str | None], routes: Mapping[int, tuple[str, bool]]) -> str:
    """`routes`: front port on 127.0.0.1 -> (`addr:port`, send a PROXY header?)."""
    servers = "".join(
        f"    server {{ listen 127.0.0.1:{front}; proxy_pass {target}; "
        f"proxy_protocol {'on' if proxy_protocol else 'off'}; }}\n"
        for front, (target, proxy_protocol) in sorted(routes.items())
    )
    return _head(paths) + "stream {\n" + servers + "}\n"


def backend_config(
    paths: Mapping[str, str | None],
    *,
    listen: str,
    port: int,
    tls_port: int,
    certificate: tuple[str, str],
    name: str,
) -> str:
    """Plain HTTP on `port` and HTTPS (certificate, key) on `tls_port`."""
    return (
        _head(paths)
        + f"""
http {{
    access_log off;
{_temp(paths)}
    keepalive_requests 1000000;
    server {{
        listen {listen}:{port};
        listen {listen}:{tls_port} ssl;
        ssl_certificate {certificate[0]};
        ssl_certificate_key {certificate[1]};
        location / {{
            default_type application/json;
            return 200 '{{"service": "{name}"}}\\n';
        }}
    }}
}}
"""
    )
