"""The numbers the README and the docs pages state that a deterministic CPU run gives,
read from their text for the tests that recompute them: a table or a sentence shown on more
than one page is read on each, and each copy must hold."""

from __future__ import annotations

import re

from tests.conftest import REPO_ROOT
from tests.docs_text import DOCS

EXPERIMENTS = "| experiment | reproduces | check | measured |"
BOSTON_SWEEP = "| batch_size | runs (seed) | train/loss | val/loss | val/mae | val/r2 |"


def pages() -> dict[str, str]:
    """Each documentation page's text, by its path in the repository."""
    paths = [REPO_ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
    return {str(path.relative_to(REPO_ROOT)): path.read_text() for path in paths}


def tables(header: str) -> dict[str, list[list[str]]]:
    """Each copy of the markdown table whose header row is `header`: its rows' cells, by page."""
    found = {}
    for page, text in pages().items():
        lines = text.splitlines()
        for start in (i for i, line in enumerate(lines) if line.strip() == header):
            rows = []
            for line in lines[start + 2 :]:  # past the header and its |---| line
                if not line.startswith("|"):
                    break
                rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
            found[page if page not in found else f"{page} (again)"] = rows
    assert found, f"no page shows the table {header}"
    return found


def measured(experiment: str) -> dict[str, str]:
    """The experiment table's "measured" cell for `experiment` (its first cell, without
    backticks), by page."""
    cells = {}
    for page, rows in tables(EXPERIMENTS).items():
        (cell,) = [row[3] for row in rows if row[0].replace("`", "") == experiment]
        cells[page] = cell
    return cells


def holds(experiment: str, printed: str) -> None:
    """Every copy of the experiment's measured cell says `printed`, the run's own numbers."""
    cells = measured(experiment)
    assert cells == dict.fromkeys(cells, printed), f"{experiment}: this run gives {printed!r}"


def stated(pattern: str) -> set[str]:
    """What the pages say where `pattern` (a regular expression with one group) matches, a
    sentence broken over lines read as one."""
    texts = [re.sub(r"[ \t]*\n[ \t]*", " ", text) for text in pages().values()]  # one line
    found = {m for text in texts for m in re.findall(pattern, text)}
    assert found, f"no page says {pattern}"
    return found
