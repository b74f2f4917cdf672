"""Break named behaviours on purpose, one at a time, and show which tests catch each.

    python scripts/mutation_check.py            # every mutant (a few minutes)
    python scripts/mutation_check.py run-ids    # the named ones only
    python scripts/mutation_check.py --list

Each mutant edits one file of a temporary copy of the project (never this working tree),
then runs the tests that claim the behaviour there; a mutant no test fails is a test to fix.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIVERGE = (
    "tests/core/test_safety.py::test_divergence_stops_the_run_and_keeps_the_last_good_checkpoint"
)
ATOMIC = "tests/core/test_atomic_checkpoints.py"
IS_DATA = "tests/core/test_checkpoint_is_data.py"
# examples: begin
LESSONS = "tests/examples/test_experiments.py"
MNIST = f"{LESSONS}::test_mnist_mlp_reaches_96_5_percent_in_3_epochs_with_library_or_scratch_pieces"
# examples: end


@dataclass(frozen=True)
class Mutant:
    name: str
    breaks: str  # the behaviour, in words
    file: str
    old: str  # found exactly once in `file`
    new: str
    tests: tuple[str, ...]  # pytest node ids that claim the behaviour


MUTANTS = [
    Mutant("divergence-never-stops", "the divergence stop: a NaN loss trains on",
           "src/minibatch/runs/divergence.py",
           "if bool(torch.isfinite(loss).all()):", "if True:", (DIVERGE,)),
    Mutant("divergence-deletes-checkpoints", "the divergence stop keeps the last good checkpoint",
           "src/minibatch/runs/divergence.py",
           "        raise Diverged(\n",
           "        for kept in __import__('pathlib').Path(trainer.checkpoint_callback.dirpath)"
           ".glob('*.ckpt'):\n            kept.unlink()\n        raise Diverged(\n", (DIVERGE,)),
    Mutant("checkpoint-written-in-place", "checkpoint atomicity: written beside, then renamed",
           "src/minibatch/runs/atomic_checkpoints.py",
           "        write_file(partial, data)\n        os.replace(partial, path)",
           "        path.write_bytes(data)", (ATOMIC,)),
    Mutant("checkpoint-not-synced", "checkpoint atomicity: on disk before the rename",
           "src/minibatch/runs/atomic_checkpoints.py",
           "        os.fsync(file.fileno())", "        pass", (ATOMIC,)),
    Mutant("run-ids-constant", "run ids: two runs in one second get two folders",
           "src/minibatch/runs/run_dir.py",
           "return secrets.token_hex(3)", 'return "000000"', ("tests/core/test_run_ids.py",)),
    Mutant("checkpoint-names-any-option", "refusal of a checkpoint's group options",
           "src/minibatch/runs/saved_config.py",
           "    if not is_plain_name(name):", "    if False:",
           (f"{IS_DATA}::test_group_options_that_are_not_plain_names_are_refused",)),
    Mutant("ci-skip-stays-skip", "no silent skip in CI: CI=true fails a missing extra or data",
           "tests/conftest.py",
           'report.outcome, report.longrepr = "failed", failure', "pass",
           ("tests/core/test_ci_skips.py",)),
    Mutant("python-3.11-only-import", "every Python claimed: tomllib (3.11+) with no fallback",
           "tests/core/test_installed.py",
           "if sys.version_info >= (3, 11):\n    import tomllib\nelse:  # the test extra installs "
           "tomli there\n    import tomli as tomllib\n", "import tomllib\n",
           ("tests/core/test_python_versions.py",)),
    # examples: begin
    Mutant("checkpoint-option-resolved", "refusal of a checkpoint's `${...}` option values",
           "src/minibatch/runs/saved_config.py",
           'return isinstance(value, str) and ("${" in value or value == "???")',
           "return False",
           (f"{IS_DATA}::test_a_model_option_of_another_type_than_the_shipped_default_is_refused",
            "tests/examples/test_untyped_checkpoint_options.py")),
    Mutant("docs-benchmark-ratio", "the docs' benchmark ratios (0.98x edited to 0.93x)",
           "docs/benchmark.md",
           "| 1168.4 ms (1058.4-1204.4) | 4.0x | 0.98x |",
           "| 1168.4 ms (1058.4-1204.4) | 4.0x | 0.93x |",
           ("tests/examples/test_benchmark_table.py",)),
    Mutant("docs-cooking-loss", "the docs' default val/loss (0.828 edited to 0.827)",
           "docs/lessons.md",
           "| val MSE ≤ 1.1 × 0.81 | 0.828 |", "| val MSE ≤ 1.1 × 0.81 | 0.827 |",
           (f"{LESSONS}::test_cooking_reaches_the_noise_floor",)),
    Mutant("docs-linear-w", "the docs' experiment table (a w of linear_batchsize edited)",
           "docs/lessons.md",
           "| 1.972, 1.970, 1.969, 1.965 |", "| 1.972, 1.970, 1.969, 1.966 |",
           (f"{LESSONS}::test_linear_w_is_close_to_2_for_every_batch_size[256]",)),
    Mutant("docs-mnist-accuracy", "the docs' MNIST row (back to the 96.61% it once said)",
           "docs/lessons.md",
           "| 96.57% with one", "| 96.61% with one", (MNIST,)),
    Mutant("docs-boston-summary", "the docs' Boston sweep summary (a mean edited)",
           "docs/tooling.md", "| 0.08786 ± 0.004 |", "| 0.08787 ± 0.004 |",
           ("tests/examples/test_sweep_summary_numbers.py",)),
    # examples: end
]  # fmt: skip


def present(mutant: Mutant, root: Path = ROOT) -> bool:
    """Whether the mutant's file and tests are in this project (the examples may be removed)."""
    files = [mutant.file, *(test.split("::")[0] for test in mutant.tests)]
    return all((root / name).is_file() for name in files)


def copy_project(target: Path) -> None:
    """The tracked and untracked-but-not-ignored files, and data/ (a link: read only)."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, text=True, check=True)  # fmt: skip
    for name in listed.stdout.splitlines():
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    if (ROOT / "data").is_dir():
        (target / "data").symlink_to(ROOT / "data")


def copy_env(copy: Path) -> dict[str, str]:
    """This interpreter, importing the copy's package (PYTHONPATH before the editable install)."""
    env = {**os.environ, "PYTHONPATH": f"{copy / 'src'}{os.pathsep}{copy}"}
    env.pop("CI", None)  # a skip stays a skip: the check is about failures
    where = [sys.executable, "-c", "import minibatch; print(minibatch.__file__)"]
    found = subprocess.run(where, cwd=copy, env=env, capture_output=True, text=True, check=True)
    if not Path(found.stdout.strip()).is_relative_to(copy):
        sys.exit(
            f"error: the copy's tests would import {found.stdout.strip()}, not the copy's code"
        )
    return env


def run_tests(copy: Path, env: dict[str, str], tests: tuple[str, ...]) -> tuple[int, list[str]]:
    """pytest's exit code and the failed tests' ids."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *tests, "-p", "no:cacheprovider", "-q", "-n", "0",
         "-rfE", "-o", "addopts="],
        cwd=copy, env=env, capture_output=True, text=True,
    )  # fmt: skip
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+?)(?:\[.*)?(?: - .*)?$", done.stdout, re.MULTILINE)
    return done.returncode, failed


def mutate(copy: Path, mutant: Mutant) -> str:
    """Apply `mutant` to the copy; return the file's original text."""
    path = copy / mutant.file
    text = path.read_text()
    if text.count(mutant.old) != 1:
        sys.exit(f"error: {mutant.name}: its text is not found once in {mutant.file}; update it")
    path.write_text(text.replace(mutant.old, mutant.new))
    return text


def short(failed: list[str]) -> str:
    """`test_file::test_name`, once per test function (`(3 cases)` when parametrized)."""
    names = [node.split("/")[-1].replace(".py::", "::") for node in failed]
    return ", ".join(n + (f" ({names.count(n)} cases)" if names.count(n) > 1 else "")
                     for n in sorted(set(names)))  # fmt: skip


def check(mutants: list[Mutant]) -> int:
    print("| mutant | breaks | file | caught by |\n|---|---|---|---|", flush=True)
    survived = 0
    with tempfile.TemporaryDirectory(prefix="mutation-check-") as folder:
        copy = Path(folder) / "project"
        copy_project(copy)
        env = copy_env(copy)
        passed: set[tuple[str, ...]] = set()
        for mutant in mutants:
            if not present(mutant):
                print(f"| `{mutant.name}` | {mutant.breaks} | `{mutant.file}` | (not here) |")
                continue
            if mutant.tests not in passed:  # unmutated first: a failure must be the mutant's
                code, failed = run_tests(copy, env, mutant.tests)
                if code != 0:
                    sys.exit(f"error: {', '.join(mutant.tests)} fail unmutated: {failed}")
                passed.add(mutant.tests)
            original = mutate(copy, mutant)
            try:
                code, failed = run_tests(copy, env, mutant.tests)
            finally:
                (copy / mutant.file).write_text(original)
            caught = short(failed) or f"(pytest exit {code})"
            if code == 0:
                survived += 1
                caught = "NOT CAUGHT: " + short(list(mutant.tests)) + " pass"
            print(f"| `{mutant.name}` | {mutant.breaks} | `{mutant.file}` | {caught} |", flush=True)
    print(f"\n{len(mutants) - survived} of {len(mutants)} mutants caught.")
    return 1 if survived else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="mutants to apply (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    args = parser.parse_args()
    if args.list:
        for mutant in MUTANTS:
            print(f"{mutant.name}: {mutant.breaks} ({mutant.file}); {', '.join(mutant.tests)}")
        return 0
    by_name = {mutant.name: mutant for mutant in MUTANTS}
    unknown = [name for name in args.names if name not in by_name]
    if unknown:
        parser.error(f"no mutant {', '.join(unknown)}: --list names them")
    return check([by_name[name] for name in args.names] or MUTANTS)


if __name__ == "__main__":
    sys.exit(main())
