"""Copy nginx/entrypoint.sh into template.yaml (the config-fetcher's LATTICE_INGRESS_ENTRYPOINT).

The task definition carries the script because the stock images have no copy of it (no image
build). Run after editing entrypoint.sh; tests/dataplane_runtime fails while the copies differ.

    .venv/bin/python nginx/embed_entrypoint.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
SCRIPT = ROOT / "nginx" / "entrypoint.sh"

_MARKER = "- Name: LATTICE_INGRESS_ENTRYPOINT"


class EmbedError(RuntimeError):
    """The template has no (or more than one) embedded entrypoint block."""


def embed(template_text: str, script_text: str) -> str:
    """Replace the block scalar under `- Name: LATTICE_INGRESS_ENTRYPOINT` / `Value: |`."""
    lines = template_text.splitlines(keepends=True)
    heads = [i for i, line in enumerate(lines) if line.strip() == _MARKER]
    if len(heads) != 1 or lines[heads[0] + 1].strip() != "Value: |":
        raise EmbedError(f"expected one {_MARKER} block with `Value: |`, found {len(heads)}")
    head = heads[0]
    pad = " " * (len(lines[head]) - len(lines[head].lstrip()) + 4)
    end = head + 2
    while end < len(lines) and (not lines[end].strip() or lines[end].startswith(pad)):
        end += 1
    body = [pad + line if line.strip() else "\n" for line in script_text.splitlines(True)]
    return "".join(lines[: head + 2] + body + lines[end:])


def main(argv: list[str]) -> int:
    template_text = TEMPLATE.read_text()
    updated = embed(template_text, SCRIPT.read_text())
    if "--check" in argv:
        return 0 if updated == template_text else 1
    if updated != template_text:
        TEMPLATE.write_text(updated)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
