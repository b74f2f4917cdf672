"""The documented speed tables are the benchmark's own output, not numbers typed by hand.

`scripts/benchmark.py --markdown FILE` writes the table docs/benchmark.md shows; these tests
hold every such table of that page to the script's columns and row names, its ratios to
its own times, and every benchmark command of the page to the script's options, so a
renamed column, a dropped workload or a hand-edited figure fails here.
"""

from __future__ import annotations

import re
import shlex
import sys

import pytest

from tests.conftest import REPO_ROOT
from tests.docs_text import page

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import benchmark  # noqa: E402

SECTION = page("benchmark.md")
TABLES = re.findall(r"(?m)^(\| workload \|.*\n\|[-|]+\n(?:\|.*\n)+)", SECTION)
COMMANDS = [
    c.strip() for c in re.findall(r"(?m)^ *(?:\w+=\S+ )*python scripts/benchmark\.py.*$", SECTION)
]
ROW_NAMES = {
    "cooking, batch 10000", "mnist, batch 50", *benchmark.END_TO_END_ROWS,
    *(f"data only, batch {b}" for b in benchmark.DATA_BATCH_SIZES),
}  # fmt: skip


def rows(table: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in table.splitlines()]


def seconds(cell: str) -> float:
    value, unit = cell.split()
    return float(value) / (1000 if unit == "ms" else 1)


def test_the_speed_section_shows_benchmark_tables_and_commands():
    assert TABLES and COMMANDS


@pytest.mark.parametrize("table", TABLES)
def test_a_documented_table_has_the_benchmarks_columns_rows_and_ratios(table):
    header, _, *body = rows(table)
    assert tuple(header) == benchmark.COLUMNS
    for name, hand, stock, template, single, b_a, c_a, k_a in body:
        assert name in ROW_NAMES, name
        for ratio, time in ((b_a, stock), (c_a, template), (k_a, single)):
            if ratio != "-":
                assert float(ratio.rstrip("x")) == pytest.approx(
                    seconds(time) / seconds(hand), abs=0.051
                ), f"{name}: {ratio} is not {time} / {hand}"


@pytest.mark.parametrize("command", COMMANDS)
def test_a_documented_benchmark_command_has_the_scripts_options(command):
    words = shlex.split(command)
    arguments = words[words.index("scripts/benchmark.py") + 1 :]
    benchmark.argument_parser().parse_args(arguments)  # exits (fails) on an unknown option


def test_markdown_is_the_format_the_docs_tests_read():
    row = ("mnist, batch 50", "10.0 ms", "40.0 ms", "11.0 ms", "20.0 ms", "4.0x", "1.10x", "2.00x")
    text = benchmark.markdown_table("title", [row])
    (table,) = re.findall(r"(?m)^(\| workload \|.*\n\|[-|]+\n(?:\|.*\n)+)", text)
    test_a_documented_table_has_the_benchmarks_columns_rows_and_ratios(table)
    assert rows(table)[2] == list(row)
