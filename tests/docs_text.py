"""The README and the documentation's pages, read by the tests that hold their commands and
numbers: a command or a figure that moves between the two is still checked where it lands."""

from __future__ import annotations

import re

from tests.conftest import REPO_ROOT

DOCS = REPO_ROOT / "docs"


def readme() -> str:
    return (REPO_ROOT / "README.md").read_text()


def page(name: str) -> str:
    """The text of `docs/<name>`."""
    return (DOCS / name).read_text()


def section(text: str, heading: str) -> str:
    """The text under the line `heading` (`## A short tour`), up to the next heading of its
    level or above; headings inside fenced code blocks (`# file: ...`) do not count."""
    level = len(heading) - len(heading.lstrip("#"))
    lines, inside, fenced = [], False, False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        is_heading = not fenced and re.match(r"#{1,6} ", line)
        if inside and is_heading and len(line) - len(line.lstrip("#")) <= level:
            break
        if inside:
            lines.append(line)
        inside = inside or line == heading
    assert inside, f"no heading {heading!r}"
    return "\n".join(lines) + "\n"


def bash_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, re.S)
