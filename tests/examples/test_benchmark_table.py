"""The documented speed tables are the benchmark's committed output, not numbers typed by hand.

`python scripts/benchmark.py --out docs/benchmark_cpu.json` writes every sample with the
machine, date and command; each row of docs/benchmark.md's tables must be, cell for cell, the
row the script prints from those samples (times and ratios at their printed decimals), so a
hand-edited figure fails here, as does a benchmark command the script does not take.
"""

from __future__ import annotations

import json
import re
import shlex
import sys

import pytest

from tests.conftest import REPO_ROOT
from tests.docs_text import page

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import benchmark  # noqa: E402

SECTION = page("benchmark.md")
OUTPUT = json.loads((REPO_ROOT / "docs" / "benchmark_cpu.json").read_text())
TABLE = r"(?m)^(\| workload \|.*\n\|[-|]+\n(?:\|.*\n)+)"
TABLES = re.findall(TABLE, SECTION)
COMMANDS = [
    c.strip() for c in re.findall(r"(?m)^ *(?:\w+=\S+ )*python scripts/benchmark\.py.*$", SECTION)
]


def rows(table: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in table.splitlines()]


def committed_row(name: str) -> list[str]:
    """The cells the script prints for the committed output's row `name`."""
    (row,) = [r for r in OUTPUT["rows"] if r["workload"] == name] or [None]
    assert row is not None, f"{name!r} is no row of docs/benchmark_cpu.json"
    return list(benchmark.table_row(row))


def test_the_speed_page_shows_benchmark_tables_and_commands():
    assert TABLES and COMMANDS


def test_the_page_says_where_when_and_how_the_committed_output_was_measured():
    for fact in ("machine", "date", "command"):
        assert OUTPUT[fact] in SECTION, f"docs/benchmark.md does not show the run's {fact}"


@pytest.mark.parametrize("table", TABLES)
def test_a_documented_table_is_the_committed_benchmark_output(table):
    header, _, *body = rows(table)
    assert tuple(header) == benchmark.COLUMNS
    assert body
    for cells in body:
        assert cells == committed_row(cells[0]), f"{cells[0]}: not what the samples give"


@pytest.mark.parametrize("command", COMMANDS)
def test_a_documented_benchmark_command_has_the_scripts_options(command):
    words = shlex.split(command)
    arguments = words[words.index("scripts/benchmark.py") + 1 :]
    benchmark.argument_parser().parse_args(arguments)  # exits (fails) on an unknown option


def test_a_ratio_is_that_of_the_medians_at_its_printed_decimals():
    samples = {"a": [0.010, 0.011, 0.030], "c": [0.0104, 0.0099, 0.009], "k": [0.02]}
    cells = benchmark.table_row(benchmark.row("mnist, batch 50", samples))
    assert cells == ("mnist, batch 50", "11.0 ms (10.0-30.0)", "-", "9.9 ms (9.0-10.4)",
                     "20.0 ms (20.0-20.0)", "-", "0.90x", "1.82x")  # fmt: skip
    (table,) = re.findall(TABLE, benchmark.markdown_table([benchmark.row("x", samples)]))
    assert rows(table)[2][1:] == list(cells[1:])
