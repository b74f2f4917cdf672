"""scripts/mutation_check.py stays runnable: each mutant's text is in its file once, its tests
exist, and docs/proofs.md shows the table of every mutant (the script itself runs for minutes)."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import REPO_ROOT
from tests.docs_text import page

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import mutation_check  # noqa: E402

HERE = [m for m in mutation_check.MUTANTS if mutation_check.present(m)]


@pytest.mark.parametrize("mutant", HERE, ids=[m.name for m in HERE])
def test_a_mutant_changes_its_file_once(mutant):
    text = (REPO_ROOT / mutant.file).read_text()
    assert text.count(mutant.old) == 1, f"{mutant.name}: update its text to {mutant.file}'s"
    assert mutant.new != mutant.old


def test_the_docs_show_every_mutant():
    names = {m.name for m in HERE}  # the examples' go with them
    shown = {name for name in names if f"| `{name}` |" in page("proofs.md")}
    assert shown == names
    assert "python scripts/mutation_check.py" in page("proofs.md")
