"""The NGINX release the tests run is the one production's task runs (template default
NginxImageTag, nginx/Dockerfile) and the one scripts/install-nginx.sh installs."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from embedded_aws.dataplane.nginx_process import find_nginx

ROOT = Path(__file__).resolve().parents[2]


class _Loader(yaml.SafeLoader):
    """Reads template.yaml with its short-form intrinsics as plain values."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def image_tag() -> str:
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=_Loader)
    return str(template["Parameters"]["NginxImageTag"]["Default"])


def script_series() -> str:
    match = re.search(
        r'^NGINX_SERIES="([0-9.]+)"$', (ROOT / "scripts/install-nginx.sh").read_text(), re.M
    )
    assert match, "NGINX_SERIES not found in scripts/install-nginx.sh"
    return match[1]


def test_given_template_dockerfile_and_installer_then_one_nginx_release() -> None:
    tag = image_tag()
    dockerfile = (ROOT / "nginx/Dockerfile").read_text()

    assert f"FROM public.ecr.aws/nginx/nginx:{tag}\n" in dockerfile
    assert tag.rsplit(".", 1)[0] == script_series()
    # Runtime re-resolution in upstreams (`server NAME resolve`) needs nginx >= 1.27.3.
    assert tuple(int(part) for part in tag.split(".")) >= (1, 27, 3)


@pytest.mark.dataplane
def test_given_installed_nginx_when_asked_its_version_then_the_production_series() -> None:
    binary = find_nginx()
    if binary is None:
        pytest.skip("nginx not installed (scripts/install-nginx.sh)")
    output = subprocess.run([binary, "-v"], capture_output=True, text=True, check=True).stderr

    version = output.strip().removeprefix("nginx version: nginx/")

    assert version.rsplit(".", 1)[0] == script_series()
