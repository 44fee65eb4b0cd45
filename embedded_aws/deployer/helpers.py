"""Helpers shared by the creators: JSON documents, tags, property picking, ECS casing,
zipped code directories and log groups."""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from embedded_aws.deployer.context import DeployContext


def json_text(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document)


def tag_list(
    props: Mapping[str, Any], key: str = "Key", value: str = "Value"
) -> list[dict[str, str]]:
    tags = props.get("Tags") or []
    if isinstance(tags, dict):  # SAM resources take a plain map
        return [{key: str(k), value: str(v)} for k, v in tags.items()]
    return [{key: str(t["Key"]), value: str(t["Value"])} for t in tags]


def pick(props: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {k: props[k] for k in keys if k in props}


def camel_case(value: Any, keep: frozenset[str] = frozenset({"Options", "DockerLabels"})) -> Any:
    """CloudFormation's PascalCase ECS shapes -> the API's camelCase (user maps untouched)."""
    if isinstance(value, list):
        return [camel_case(v, keep) for v in value]
    if not isinstance(value, dict):
        return value
    return {
        k[:1].lower() + k[1:]: (v if k in keep else camel_case(v, keep)) for k, v in value.items()
    }


def zip_directory(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(directory.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                archive.write(file, file.relative_to(directory).as_posix())
    return buffer.getvalue()


def ensure_log_group(ctx: DeployContext, name: str) -> None:
    with contextlib.suppress(ctx.client("logs").exceptions.ResourceAlreadyExistsException):
        ctx.client("logs").create_log_group(logGroupName=name)
