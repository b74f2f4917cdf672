"""Figures the docs quote that no test can recompute (wall times, a 20-trial search) say where
they came from: the command that printed them, the machine and the date, beside the figure."""

from __future__ import annotations

import re

import pytest

from tests.docs_text import page

DATE = r"\b20\d\d-\d\d-\d\d\b"
MACHINE = r"x86_64,? (with )?2 (shared )?CPUs"


def paragraph(text: str, figure: str) -> str:
    """The paragraph (text between blank lines) that holds `figure`, on one line."""
    (found,) = [p for p in text.split("\n\n") if figure in p]
    return " ".join(found.split())


@pytest.mark.parametrize(
    ("name", "figure", "command"),
    [
        ("tour.md", "27.3 s wall", "python scripts/timings.py"),
        # examples: begin
        ("tooling.md", "0.112877", "python train.py -m hparams_search=mnist_optuna"),
        # examples: end
    ],
)
def test_a_measured_figure_says_its_command_machine_and_date(name, figure, command):
    text = paragraph(page(name), figure)
    assert command in text, f"{name}: {figure} without the command that printed it"
    assert re.search(MACHINE, text), f"{name}: {figure} without the machine"
    assert re.search(DATE, text), f"{name}: {figure} without the date"
